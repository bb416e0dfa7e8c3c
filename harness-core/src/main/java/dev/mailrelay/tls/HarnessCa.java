package dev.mailrelay.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The harness's own certificate authority: an EC (P-256) CA, created once per JVM, that signs the
 * server certificate every smtpd serves unless {@code smtpd_tls_cert_file} or
 * {@code smtpd_tls_chain_files} name another. The server certificate of a {@code myhostname} names
 * that host, {@code localhost}, {@code 127.0.0.1} and {@code ::1}, and is also made once per JVM; so
 * an application under test that trusts this CA verifies every harness server, and the harness's own
 * SMTP client trusts it (and nothing else, unless {@code smtp_tls_CAfile} adds more).
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

    private static final String SIGNATURE = "SHA256withECDSA";
    /** Certificates are valid from a day before creation, for clocks that disagree a little. */
    private static final Duration BACKDATE = Duration.ofDays(1);
    private static final Duration VALIDITY = Duration.ofDays(3650);

    /** Created on first use (class holder idiom): the JVM's one CA. */
    private static final class Holder {
        static final HarnessCa INSTANCE = new HarnessCa();
    }

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    /** One key pair for every server certificate; a certificate per host name. */
    private final KeyPair serverKeys;
    private final ConcurrentMap<String, X509Certificate> serverCertificates = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    private HarnessCa() {
        try {
            caKeys = newKeyPair();
            serverKeys = newKeyPair();
            X500Name name = new X500Name("CN=mailrelay harness CA " + Instant.now().getEpochSecond()
                    + ", O=mailrelay");
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = builder(name, name, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            caCertificate = sign(b);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the harness CA: " + e, e);
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

    /** An {@link SSLSocketFactory} that trusts the harness CA and nothing else. */
    public static SSLSocketFactory socketFactory() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
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

    /** A private key with its certificate chain, leaf first. */
    record ServerIdentity(PrivateKey key, List<X509Certificate> chain) {
    }

    private X509Certificate newServerCertificate(String hostname) {
        try {
            List<GeneralName> names = new ArrayList<>();
            for (String dns : List.of(hostname, "localhost")) {
                if (names.stream().noneMatch(n -> n.getName().toString().equals(dns))) {
                    names.add(new GeneralName(GeneralName.dNSName, dns));
                }
            }
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            names.add(new GeneralName(GeneralName.iPAddress, "::1"));
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = builder(X500Name.getInstance(
                            caCertificate.getSubjectX500Principal().getEncoded()),
                    new X500Name("CN=" + hostname), serverKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                                    KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(new GeneralName[0])))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(serverKeys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(caCertificate));
            return sign(b);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a server certificate for " + hostname + ": " + e, e);
        }
    }

    private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, random).setBit(63),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, key);
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder(SIGNATURE).build(caKeys.getPrivate())));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static String pem(X509Certificate cert) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode certificate: " + e, e);
        }
    }
}
