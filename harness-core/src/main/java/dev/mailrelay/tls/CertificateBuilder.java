package dev.mailrelay.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * An X.509 v3 certificate (RFC 5280) encoded with {@link Der}, signed with {@link Signature} and
 * parsed back with the JDK's {@link CertificateFactory}: what the harness CA needs, and no more.
 * Names are encoded by {@link X500Principal}; the subject public key is the key's own X.509 encoding.
 *
 * <pre>{@code
 * X509Certificate ca = new CertificateBuilder(new X500Principal("CN=test CA"), caKeys.getPublic())
 *         .ca().sign(caKeys.getPrivate());
 * X509Certificate leaf = new CertificateBuilder(new X500Principal("CN=mail.example"), keys.getPublic())
 *         .issuer(ca).server(List.of("mail.example"), List.of(InetAddress.getLoopbackAddress()))
 *         .sign(caKeys.getPrivate());
 * }</pre>
 */
final class CertificateBuilder {

    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String SUBJECT_KEY_ID = "2.5.29.14";
    private static final String AUTHORITY_KEY_ID = "2.5.29.35";
    private static final String KP_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String KP_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int SAN_DNS_NAME = 2;
    private static final int SAN_IP_ADDRESS = 7;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X500Principal subject;
    private final PublicKey key;
    private X500Principal issuer;
    private byte[] authorityKeyId;
    private Instant notBefore = Instant.now();
    private Instant notAfter = notBefore.plusSeconds(86_400);
    private final List<byte[]> extensions = new ArrayList<>();

    /** A certificate for {@code key} named {@code subject}, self-issued unless {@link #issuer} says otherwise. */
    CertificateBuilder(X500Principal subject, PublicKey key) {
        this.subject = subject;
        this.key = key;
        this.issuer = subject;
    }

    /** Issued by {@code ca}: its subject becomes the issuer, its key identifier the authority key identifier. */
    CertificateBuilder issuer(X509Certificate ca) {
        this.issuer = ca.getSubjectX500Principal();
        this.authorityKeyId = keyId(ca.getPublicKey());
        return this;
    }

    /** Issued by a name only (a certificate whose issuer is not at hand, as tests need). */
    CertificateBuilder issuer(X500Principal name) {
        this.issuer = name;
        this.authorityKeyId = null;
        return this;
    }

    CertificateBuilder validity(Instant from, Instant to) {
        this.notBefore = from;
        this.notAfter = to;
        return this;
    }

    /** A CA that signs end-entity certificates only: basicConstraints CA:TRUE, pathlen:0; keyCertSign, cRLSign. */
    CertificateBuilder ca() {
        extensions.add(extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true), Der.integer(0))));
        // Named bits 5 (keyCertSign) and 6 (cRLSign): one byte, the last bit unused.
        extensions.add(extension(KEY_USAGE, true, Der.bitString(new byte[] {0x06}, 1)));
        return this;
    }

    /**
     * A TLS server (and client) certificate for these names: basicConstraints CA:FALSE,
     * digitalSignature (what ECDHE needs of an EC or RSA key), serverAuth and clientAuth, and the
     * names as subjectAltName dNSName and iPAddress entries.
     */
    CertificateBuilder server(List<String> dnsNames, List<InetAddress> addresses) {
        extensions.add(extension(BASIC_CONSTRAINTS, true, Der.sequence()));
        // Named bit 0 (digitalSignature): one byte, seven bits unused.
        extensions.add(extension(KEY_USAGE, true, Der.bitString(new byte[] {(byte) 0x80}, 7)));
        extensions.add(extension(EXTENDED_KEY_USAGE, false,
                Der.sequence(Der.oid(KP_SERVER_AUTH), Der.oid(KP_CLIENT_AUTH))));
        return subjectAltNames(dnsNames, addresses);
    }

    /** subjectAltName alone: dNSName (IA5String) and iPAddress (4 or 16 bytes) entries. */
    CertificateBuilder subjectAltNames(List<String> dnsNames, List<InetAddress> addresses) {
        List<byte[]> names = new ArrayList<>();
        for (String dns : dnsNames) {
            names.add(Der.tlv(Der.IMPLICIT | SAN_DNS_NAME, dns.getBytes(StandardCharsets.US_ASCII)));
        }
        for (InetAddress a : addresses) {
            names.add(Der.tlv(Der.IMPLICIT | SAN_IP_ADDRESS, a.getAddress()));
        }
        extensions.add(extension(SUBJECT_ALT_NAME, false, Der.sequence(names.toArray(new byte[0][]))));
        return this;
    }

    /** Signs with {@code issuerKey} (EC: SHA256withECDSA, RSA: SHA256withRSA) and parses the result with the JDK. */
    X509Certificate sign(PrivateKey issuerKey) throws GeneralSecurityException {
        boolean ec = issuerKey.getAlgorithm().equals("EC");
        String algorithm = ec ? "SHA256withECDSA" : "SHA256withRSA";
        // RFC 5758 3.2: ecdsa-with-SHA256 has no parameters; RFC 4055 5: sha256WithRSAEncryption has NULL.
        byte[] algorithmId = ec ? Der.sequence(Der.oid("1.2.840.10045.4.3.2"))
                : Der.sequence(Der.oid("1.2.840.113549.1.1.11"), Der.nul());
        List<byte[]> ext = new ArrayList<>(extensions);
        ext.add(extension(SUBJECT_KEY_ID, false, Der.octetString(keyId(key))));
        if (authorityKeyId != null) {
            // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
            ext.add(extension(AUTHORITY_KEY_ID, false, Der.sequence(Der.tlv(Der.IMPLICIT, authorityKeyId))));
        }
        // RFC 5280 4.1.2.2: a positive serial of at most 20 bytes; 64 random bits make it unique.
        BigInteger serial = new BigInteger(64, RANDOM).setBit(63);
        byte[] tbs = Der.sequence(
                Der.tlv(Der.EXPLICIT, Der.integer(2)), // version v3
                Der.integer(serial),
                algorithmId,
                issuer.getEncoded(),
                Der.sequence(Der.time(notBefore), Der.time(notAfter)),
                subject.getEncoded(),
                key.getEncoded(), // SubjectPublicKeyInfo
                Der.tlv(Der.EXPLICIT | 3, Der.sequence(ext.toArray(new byte[0][]))));
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(issuerKey);
        signer.update(tbs);
        byte[] der = Der.sequence(tbs, algorithmId, Der.bitString(signer.sign()));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }

    /** RFC 7093 2 method 4: the leftmost 160 bits of the SHA-256 of the SubjectPublicKeyInfo. */
    static byte[] keyId(PublicKey key) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 20);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
