package dev.mailrelay.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;

/**
 * The harness's own certificate authority: an EC (P-256) CA, one per user (made once and kept in
 * the user's cache directory, 0600, see {@code CaCache}; {@code -Dmailrelay.tls.caCache=none} for a
 * new one in every JVM), that signs the server certificate every smtpd serves unless
 * {@code smtpd_tls_cert_file} or {@code smtpd_tls_chain_files} name another. The server certificate
 * of a {@code myhostname} names that host, {@code localhost}, {@code 127.0.0.1} and {@code ::1}, and
 * is made once per JVM; so an application under test that trusts this CA verifies every harness
 * server, and the harness's own SMTP client trusts it (and nothing else, unless
 * {@code smtp_tls_CAfile} adds more).
 *
 * <pre>{@code
 * // Jakarta Mail, trusting only the harness:
 * props.put("mail.smtp.ssl.socketFactory", HarnessCa.socketFactory());
 * // a PEM file for msmtp's tls_trust_file, curl --cacert, Python's cafile=...:
 * Path pem = HarnessCa.writePem(tempDir.resolve("harness-ca.pem"));
 * // a KeyStore for a javax.net.ssl.trustStore or Spring's ssl bundle:
 * KeyStore trust = HarnessCa.trustStore();
 * }</pre>
 */
public final class HarnessCa {

    /** The alias of the CA certificate in {@link #trustStore()}. */
    public static final String ALIAS = "mailrelay-harness-ca";

    /** Certificates are valid from a day before creation, for clocks that disagree a little. */
    private static final Duration BACKDATE = Duration.ofDays(1);
    private static final Duration VALIDITY = Duration.ofDays(3650);
    /** The addresses every server certificate names besides its host names. */
    private static final List<String> LOOPBACK = List.of("127.0.0.1", "::1");

    /** Created on first use (class holder idiom): the JVM's one CA. */
    private static final class Holder {
        static final HarnessCa INSTANCE = new HarnessCa();
    }

    private static final AtomicBoolean PREPARING = new AtomicBoolean();

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    /** One key pair for every server certificate; a certificate per host name. */
    private final KeyPair serverKeys;
    private final ConcurrentMap<String, X509Certificate> serverCertificates = new ConcurrentHashMap<>();

    private HarnessCa() {
        CaCache.Material m = CaCache.loadOrCreate(CaCache.defaultFile(), HarnessCa::generate);
        caKeys = m.caKeys();
        caCertificate = m.caCertificate();
        serverKeys = m.serverKeys();
    }

    /** A new CA (key pair and self-signed certificate) and a new server key pair. */
    static CaCache.Material generate() {
        try {
            KeyPair caKeys = newKeyPair();
            KeyPair serverKeys = newKeyPair();
            Instant now = Instant.now();
            // The creation time in the name tells two users' (or caches') CAs apart in a trust store or a log.
            X509Certificate caCertificate = new CertificateBuilder(new X500Principal("CN=mailrelay harness CA "
                    + now.getEpochSecond() + ", O=mailrelay"), caKeys.getPublic())
                    .validity(now.minus(BACKDATE), now.plus(VALIDITY))
                    .ca()
                    .sign(caKeys.getPrivate());
            return new CaCache.Material(caKeys, caCertificate, serverKeys);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the harness CA: " + e, e);
        }
    }

    /**
     * Starts making the CA, then loading the JDK's TLS implementation, on a daemon thread (once per
     * JVM), so that what starts meanwhile runs beside it and the first TLS use finds both ready or
     * waits only for the rest. {@code Harness.start} calls it when a configuration names a TLS
     * parameter: a cold JVM spends most of a TLS instance's start there (EC key generation and
     * signing by code not yet compiled, JSSE's classes and cipher suite tables).
     *
     * <pre>{@code
     * HarnessCa.prepare();   // early, e.g. in a test base class's static initializer
     * }</pre>
     */
    public static void prepare() {
        if (PREPARING.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                certificate();
                TlsParameters.loadJdkTls();
                HandshakeRehearsal.run(serverIdentity("localhost"), newClientContext());
            }, "mailrelay-tls-prepare");
            t.setDaemon(true);
            t.start();
        }
    }

    /** The CA certificate. */
    public static X509Certificate certificate() {
        return Holder.INSTANCE.caCertificate;
    }

    /** The CA certificate in PEM ({@code -----BEGIN CERTIFICATE-----} ...). */
    public static String certificatePem() {
        return pem(certificate());
    }

    /** Writes {@link #certificatePem()} to {@code file} (replacing it) and returns the file. */
    public static Path writePem(Path file) {
        try {
            Files.writeString(file, certificatePem(), StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the harness CA to " + file + ": " + e.getMessage(), e);
        }
    }

    /** A new PKCS12 {@link KeyStore} holding only the CA certificate, under {@link #ALIAS}. */
    public static KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry(ALIAS, certificate());
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the harness trust store: " + e, e);
        }
    }

    /**
     * An {@link SSLSocketFactory} that trusts the harness CA and nothing else; one per JVM (as the CA
     * is), so a client that uses it again resumes its TLS session with an instance instead of
     * verifying a certificate chain again, as a client with a session cache does with Postfix's
     * smtpd (which issues session tickets by default). A certificate fault is served from a context
     * of its own, which cannot resume another's sessions: that handshake is a full one, and the client
     * sees the flawed certificate.
     */
    public static SSLSocketFactory socketFactory() {
        return ClientHolder.FACTORY;
    }

    private static final class ClientHolder {
        static final SSLSocketFactory FACTORY = newClientContext().getSocketFactory();
    }

    static SSLContext newClientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an SSL context trusting the harness CA: " + e, e);
        }
    }

    /** The server key and chain (server certificate, then the CA) for {@code hostname}, made once per name. */
    static ServerIdentity serverIdentity(String hostname) {
        HarnessCa ca = Holder.INSTANCE;
        X509Certificate leaf = ca.serverCertificates.computeIfAbsent(hostname.toLowerCase(Locale.ROOT),
                ca::newServerCertificate);
        return new ServerIdentity(ca.serverKeys.getPrivate(), List.of(leaf, ca.caCertificate));
    }

    /**
     * A server key and chain for {@code hostname} with {@code flaw}, issued by the harness CA (made
     * each time: a fault is rare, and an expired certificate's dates follow the clock).
     */
    static ServerIdentity flawedIdentity(String hostname, CertificateFlaw flaw) {
        HarnessCa ca = Holder.INSTANCE;
        Instant now = Instant.now();
        X509Certificate leaf = switch (flaw) {
            case WRONG_NAME -> ca.serverCertificate("wrong-name.invalid", List.of("wrong-name.invalid"), List.of(),
                    now.minus(BACKDATE), now.plus(VALIDITY));
            case EXPIRED -> ca.serverCertificate(hostname, ca.dnsNames(hostname), LOOPBACK,
                    now.minus(Duration.ofDays(31)), now.minus(Duration.ofDays(1)));
        };
        return new ServerIdentity(ca.serverKeys.getPrivate(), List.of(leaf, ca.caCertificate));
    }

    /** A private key with its certificate chain, leaf first. */
    record ServerIdentity(PrivateKey key, List<X509Certificate> chain) {
    }

    private X509Certificate newServerCertificate(String hostname) {
        Instant now = Instant.now();
        return serverCertificate(hostname, dnsNames(hostname), LOOPBACK, now.minus(BACKDATE), now.plus(VALIDITY));
    }

    private List<String> dnsNames(String hostname) {
        List<String> dns = new ArrayList<>(List.of(hostname));
        if (!hostname.equals("localhost")) {
            dns.add("localhost");
        }
        return dns;
    }

    private X509Certificate serverCertificate(String cn, List<String> dns, List<String> addresses, Instant from,
                                              Instant to) {
        try {
            List<InetAddress> ips = new ArrayList<>();
            for (String a : addresses) {
                ips.add(InetAddress.getByName(a));
            }
            return new CertificateBuilder(new X500Principal("CN=" + cn), serverKeys.getPublic())
                    .issuer(caCertificate)
                    .validity(from, to)
                    .server(dns, ips)
                    .sign(caKeys.getPrivate());
        } catch (GeneralSecurityException | UnknownHostException e) {
            throw new IllegalStateException("cannot create a server certificate for " + cn + ": " + e, e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static String pem(X509Certificate cert) {
        try {
            return PemFiles.pem("CERTIFICATE", cert.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode certificate: " + e, e);
        }
    }
}
