package dev.mailrelay.master;

import dev.mailrelay.tls.HarnessCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The properties a running harness publishes for the application under test — the JUnit extension
 * as system properties ({@code @ExportSystemProperties}), the Maven plugin as project properties and
 * {@code mailrelay.properties}: one list of names and values for both.
 *
 * <ul>
 *   <li>{@code mailrelay.<instance>.host} and {@code mailrelay.<instance>.port}: the first listener;</li>
 *   <li>{@code mailrelay.<instance>.<service>.port} per listener, for a {@code host:port} service also
 *       by the part after the colon;</li>
 *   <li>{@code mailrelay.<instance>.username} and {@code mailrelay.<instance>.password}: the first
 *       declared SASL user;</li>
 *   <li>{@code mailrelay.<instance>.password.<login>} for every declared SASL user, generated
 *       passwords included ({@link InstanceDirectory#user(String)});</li>
 *   <li>with an entry instance, {@code spring.mail.host}, {@code spring.mail.port},
 *       {@code spring.mail.username} and {@code spring.mail.password} for it; when its first listener
 *       offers TLS with the harness CA's certificate, also a Spring Boot SSL bundle that trusts that
 *       CA and the mail sender's use of it: {@code spring.ssl.bundle.pem.mailrelay.truststore.certificate}
 *       (a {@code file:} URL of {@value #CA_FILE} in the entry's directory, written then) and
 *       {@code spring.mail.ssl.bundle=mailrelay}. Spring Boot 3.5 and 4.0 hand the bundle to Jakarta
 *       Mail as {@code mail.smtp.ssl.socketFactory}, which STARTTLS uses; SMTPS stays off unless the
 *       application sets {@code spring.mail.ssl.enabled};</li>
 *   <li>with the HTTP API, {@code mailrelay.api.url} and {@code mailrelay.api.port}.</li>
 * </ul>
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#published-properties -->
 * <pre>{@code
 * Map<String, String> p = PublishedProperties.of(harness)
 *     .users("relay", Map.of("app", "s3cret"))
 *     .entry("relay")
 *     .toMap();
 * p.get("spring.mail.port");                 // the relay's first port
 * p.get("mailrelay.relay.password.app");     // s3cret
 * }</pre>
 */
public final class PublishedProperties {

    /** The entry instance when none is named and there is one of this name. */
    public static final String DEFAULT_ENTRY = "relay";

    /** The name of the Spring Boot SSL bundle that trusts the harness CA. */
    public static final String SSL_BUNDLE = "mailrelay";

    /** The harness CA certificate in PEM, written into the entry instance's directory when published. */
    public static final String CA_FILE = "mailrelay-harness-ca.pem";

    private final Harness harness;
    private final Map<String, Map<String, String>> users = new HashMap<>();
    private String entry;
    private URI api;

    private PublishedProperties(Harness harness) {
        this.harness = Objects.requireNonNull(harness, "harness");
    }

    /** The properties of this running harness. */
    public static PublishedProperties of(Harness harness) {
        return new PublishedProperties(harness);
    }

    /** The declared SASL users of an instance, login → password in declaration order. */
    public PublishedProperties users(String instance, Map<String, String> loginToPassword) {
        users.put(instance, new LinkedHashMap<>(loginToPassword));
        return this;
    }

    /**
     * The entry instance — the one the application submits to — by the rule the JUnit extension's
     * {@code entry} and the Maven plugin's {@code <entry>} share: the declared one, else {@code relay}
     * when there is one, else the first instance.
     *
     * @throws IllegalArgumentException when {@code declared} names no instance
     */
    public static String entry(String declared, List<String> instances) {
        if (declared == null || declared.isEmpty()) {
            return instances.contains(DEFAULT_ENTRY) || instances.isEmpty() ? DEFAULT_ENTRY : instances.get(0);
        }
        if (!instances.contains(declared)) {
            throw new IllegalArgumentException("entry instance " + declared + " is not declared; instances: " + instances);
        }
        return declared;
    }

    /** The instance the application submits to: what {@code spring.mail.*} describes. */
    public PublishedProperties entry(String instance) {
        this.entry = instance;
        return this;
    }

    /** The HTTP control API's URL. */
    public PublishedProperties api(URI url) {
        this.api = url;
        return this;
    }

    /** The names and values, in a stable order: {@code spring.mail.*}, each instance, the API. */
    public Map<String, String> toMap() {
        Map<String, String> out = new LinkedHashMap<>();
        if (entry != null) {
            Instance e = harness.instance(entry);
            List<Instance.Listener> listeners = e.listeners();
            if (!listeners.isEmpty()) {
                out.put("spring.mail.host", listeners.get(0).host());
                out.put("spring.mail.port", String.valueOf(listeners.get(0).port()));
            }
            firstUser(entry).ifPresent(u -> {
                out.put("spring.mail.username", u.getKey());
                out.put("spring.mail.password", u.getValue());
            });
            if (!listeners.isEmpty() && e.harnessCertificate(listeners.get(0).service())) {
                out.put("spring.ssl.bundle.pem." + SSL_BUNDLE + ".truststore.certificate",
                        caFile(e.directory()).toUri().toString());
                out.put("spring.mail.ssl.bundle", SSL_BUNDLE);
            }
        }
        for (Instance i : harness.instances()) {
            String prefix = "mailrelay." + i.name() + ".";
            for (Instance.Listener l : i.listeners()) {
                out.putIfAbsent(prefix + "host", l.host());
                out.putIfAbsent(prefix + "port", String.valueOf(l.port()));
                out.put(prefix + l.service() + ".port", String.valueOf(l.port()));
                int colon = l.service().lastIndexOf(':');
                if (colon >= 0) {
                    out.putIfAbsent(prefix + l.service().substring(colon + 1) + ".port", String.valueOf(l.port()));
                }
            }
            firstUser(i.name()).ifPresent(u -> {
                out.put(prefix + "username", u.getKey());
                out.put(prefix + "password", u.getValue());
            });
            users.getOrDefault(i.name(), Map.of()).forEach((login, password) -> out.put(prefix + "password." + login, password));
        }
        if (api != null) {
            out.put("mailrelay.api.url", api.toString());
            out.put("mailrelay.api.port", String.valueOf(api.getPort()));
        }
        return out;
    }

    /**
     * {@value #CA_FILE} in {@code directory}, written once (the CA is the JVM's), by a rename so that
     * a reader never sees half of it.
     */
    private static Path caFile(Path directory) {
        Path file = directory.resolve(CA_FILE);
        if (!Files.exists(file)) {
            try {
                Path tmp = HarnessCa.writePem(Files.createTempFile(directory, CA_FILE, ".tmp"));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException x) {
                throw new UncheckedIOException("cannot write " + file + ": " + x.getMessage(), x);
            }
        }
        return file;
    }

    private Optional<Map.Entry<String, String>> firstUser(String instance) {
        return users.getOrDefault(instance, Map.of()).entrySet().stream().findFirst();
    }

    @Override
    public String toString() {
        return "PublishedProperties[" + harness.instances().stream().map(Instance::name).toList() + "]";
    }
}
