package dev.mailrelay.junit;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CaptureTimeoutException;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.master.Instance.Listener;
import dev.mailrelay.tls.HarnessCa;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLSocketFactory;

/**
 * One running instance of a harness started by {@link SaslRelayExtension}, as a test sees it: where
 * to connect, with which credentials, and what it captured. Injected by name:
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/InstanceNameExampleTest.java#relays -->
 * <pre>{@code
 * @Test
 * void relaysThroughTheIsp(@InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp)
 *         throws Exception {
 *     app.configureSmtp(relay.host(), relay.port(), relay.username(), relay.password());
 *     app.signUp("bob@example.org");
 *     CapturedMessage m = isp.awaitMessage(x -> "Welcome".equals(x.subject()));
 *     assertEquals(isp.username(), m.saslUsername());
 * }
 * }</pre>
 *
 * <p>Awaiting methods wake on the capture's arrival event (no polling) and fail with an
 * {@link AssertionError} that lists what did arrive (its cause the core's
 * {@link CaptureTimeoutException}). {@link #toString()} never shows a password.
 */
public final class RelayInstance {

    /** How long the awaiting methods without a timeout wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final dev.mailrelay.master.Instance core;
    private final Map<String, String> users;
    private final Path directory;

    RelayInstance(dev.mailrelay.master.Instance core, Map<String, String> users, Path directory) {
        this.core = core;
        this.users = new LinkedHashMap<>(users);
        this.directory = directory;
    }

    /** The instance name. */
    public String name() {
        return core.name();
    }

    /** {@code myhostname}. */
    public String hostname() {
        return core.parameters().get("myhostname");
    }

    /**
     * The extra virtual-network names, {@code mailrelay_hostnames}: what {@code hostnames} declares in
     * the annotation, the builder and the plugin, and what the HTTP API lists as {@code hostnames}.
     * The virtual network resolves these and {@link #hostname()} to this instance.
     */
    public List<String> hostnames() {
        return core.parameters().list("mailrelay_hostnames");
    }

    /** The address the listeners are bound to ({@code 127.0.0.1} unless configured otherwise). */
    public String host() {
        return firstListener().host();
    }

    /** The port of the first service in {@code master.cf}. */
    public int port() {
        return firstListener().port();
    }

    /** The bound port of a service by its {@code master.cf} name: {@code smtp}, {@code submission}, {@code 2525}. */
    public int port(String service) {
        return core.port(service);
    }

    /** Every bound listener in {@code master.cf} order. */
    public List<Listener> listeners() {
        return core.listeners();
    }

    /** The first SASL login declared for this instance. */
    public String username() {
        if (users.isEmpty()) {
            throw new IllegalStateException("instance " + name() + " declares no SASL users (users = ...)");
        }
        return users.keySet().iterator().next();
    }

    /** The password of {@link #username()}. */
    public String password() {
        return password(username());
    }

    /** The password of a declared login, generated ones included. */
    public String password(String login) {
        String p = users.get(login);
        if (p == null) {
            throw new IllegalArgumentException("instance " + name() + " declares no SASL user " + login
                    + "; it declares " + users.keySet());
        }
        return p;
    }

    /** Login → password of the declared users, in declaration order. */
    Map<String, String> users() {
        return users;
    }

    /** The declared SASL logins, in declaration order. */
    public List<String> usernames() {
        return List.copyOf(users.keySet());
    }

    /**
     * The CA a client of this instance should trust: the harness CA when smtpd serves the harness's
     * own certificate (no {@code smtpd_tls_cert_file} or {@code smtpd_tls_chain_files}), else empty —
     * whoever configured the certificate files knows their issuer.
     */
    public Optional<X509Certificate> caCertificate() {
        boolean ownCertificate = core.parameters().get("smtpd_tls_cert_file").isEmpty()
                && core.parameters().get("smtpd_tls_chain_files").isEmpty();
        return ownCertificate ? Optional.of(HarnessCa.certificate()) : Optional.empty();
    }

    /**
     * A socket factory that trusts {@link #caCertificate()} and nothing else, for a client's STARTTLS
     * or wrapper-mode connection; for Jakarta Mail:
     *
     * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/RelayInstanceTlsTest.java#socket-factory -->
     * <pre>{@code
     * props.put("mail.smtp.starttls.enable", "true");
     * props.put("mail.smtp.starttls.required", "true");
     * props.put("mail.smtp.ssl.socketFactory", relay.sslSocketFactory());   // Jakarta Mail
     * }</pre>
     *
     * @throws IllegalStateException when the instance serves certificate files of its own
     */
    public SSLSocketFactory sslSocketFactory() {
        requireHarnessCertificate();
        return HarnessCa.socketFactory();
    }

    /**
     * A new PKCS12 trust store holding {@link #caCertificate()}, for clients configured with a
     * {@code KeyStore} (a {@code TrustManagerFactory}, Spring's SSL bundles).
     *
     * @throws IllegalStateException when the instance serves certificate files of its own
     */
    public KeyStore trustStore() {
        requireHarnessCertificate();
        return HarnessCa.trustStore();
    }

    /**
     * {@link #caCertificate()} in PEM, for clients outside the JVM ({@code swaks --tls-ca-path},
     * {@code msmtp}'s {@code tls_trust_file}, Python's {@code ssl} module) or a PEM-based configuration.
     *
     * @throws IllegalStateException when the instance serves certificate files of its own
     */
    public String caCertificatePem() {
        requireHarnessCertificate();
        return HarnessCa.certificatePem();
    }

    private void requireHarnessCertificate() {
        if (caCertificate().isEmpty()) {
            throw new IllegalStateException("instance " + name() + " serves the certificate of smtpd_tls_cert_file "
                    + "or smtpd_tls_chain_files, not one of the harness CA; trust that certificate's issuer");
        }
    }

    /** The messages accepted so far, in arrival order. */
    public List<CapturedMessage> messages() {
        return core.capture().messages();
    }

    /** The SMTP sessions so far, with their transcripts. */
    public List<CapturedSession> sessions() {
        return core.capture().sessions();
    }

    /** The delivery attempts of this instance's SMTP client so far. */
    public List<DeliveryAttempt> deliveries() {
        return core.capture().deliveries();
    }

    /** Waits up to {@link #DEFAULT_TIMEOUT} for at least {@code count} messages and returns all. */
    public List<CapturedMessage> awaitMessages(int count) {
        return awaitMessages(count, DEFAULT_TIMEOUT);
    }

    /** Waits for at least {@code count} messages and returns all; fails listing what arrived. */
    public List<CapturedMessage> awaitMessages(int count, Duration timeout) {
        try {
            return core.capture().awaitMessages(count, timeout);
        } catch (CaptureTimeoutException e) {
            throw failure(e);
        }
    }

    /** Waits up to {@link #DEFAULT_TIMEOUT} for a message matching {@code condition}. */
    public CapturedMessage awaitMessage(Predicate<CapturedMessage> condition) {
        return awaitMessage(condition, DEFAULT_TIMEOUT);
    }

    /** Waits for a message matching {@code condition} and returns the first such; fails listing what arrived. */
    public CapturedMessage awaitMessage(Predicate<CapturedMessage> condition, Duration timeout) {
        try {
            return core.capture().awaitMessage(condition, timeout);
        } catch (CaptureTimeoutException e) {
            throw failure(e);
        }
    }

    /** Waits up to {@link #DEFAULT_TIMEOUT} for at least {@code count} delivery attempts. */
    public List<DeliveryAttempt> awaitDeliveries(int count) {
        return awaitDeliveries(count, DEFAULT_TIMEOUT);
    }

    /** Waits for at least {@code count} delivery attempts and returns all; fails listing what was recorded. */
    public List<DeliveryAttempt> awaitDeliveries(int count, Duration timeout) {
        try {
            return core.capture().awaitDeliveries(count, timeout);
        } catch (CaptureTimeoutException e) {
            throw failure(e);
        }
    }

    /** Waits up to {@link #DEFAULT_TIMEOUT} for a delivery attempt matching {@code condition}. */
    public DeliveryAttempt awaitDelivery(Predicate<DeliveryAttempt> condition) {
        return awaitDelivery(condition, DEFAULT_TIMEOUT);
    }

    /** Waits for a delivery attempt matching {@code condition}; fails listing what was recorded. */
    public DeliveryAttempt awaitDelivery(Predicate<DeliveryAttempt> condition, Duration timeout) {
        try {
            return core.capture().awaitDelivery(condition, timeout);
        } catch (CaptureTimeoutException e) {
            throw failure(e);
        }
    }

    /** Attempts delivery of every deferred message now ({@code postqueue -f}); see {@code Instance.flush()}. */
    public void flush() {
        core.flush();
    }

    /**
     * Forgets the captured sessions, messages, delivery attempts and injected faults, and removes the
     * instance's {@link #faults()}; queued mail stays (the reset between tests, {@link SaslRelay#reset()},
     * deletes that too).
     */
    public void reset() {
        core.faults().clear();
        core.capture().reset();
    }

    /**
     * The instance's injected faults: what makes it fail the way real ISPs and relays fail, for this
     * test (the reset between tests removes them).
     *
     * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/FaultInjectionExampleTest.java#relay-instance-faults -->
     * <pre>{@code
     * isp.faults().onAuth().next(1).reply("454 4.7.0 Temporary authentication failure");
     * }</pre>
     */
    public Faults faults() {
        return core.faults();
    }

    /** What arrived so far, as failure messages list it. */
    public String describe() {
        return core.capture().describe();
    }

    /** The core capture, for what this handle does not wrap. */
    public Capture capture() {
        return core.capture();
    }

    /** The instance's effective parameters. */
    public Parameters parameters() {
        return core.parameters();
    }

    /** The instance directory (temporary; removed when the harness stops). */
    public Path directory() {
        return directory;
    }

    /** The core instance. */
    public dev.mailrelay.master.Instance core() {
        return core;
    }

    private Listener firstListener() {
        List<Listener> l = core.listeners();
        if (l.isEmpty()) {
            throw new IllegalStateException("instance " + name() + " has no smtpd listener in master.cf");
        }
        return l.get(0);
    }

    private static AssertionError failure(CaptureTimeoutException e) {
        AssertionError error = new AssertionError(e.getMessage());
        error.initCause(e);
        return error;
    }

    @Override
    public String toString() {
        return "RelayInstance[" + name() + " " + hostname() + " " + core.listeners() + " users=" + users.keySet() + "]";
    }
}
