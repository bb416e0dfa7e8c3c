package dev.mailrelay.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files as Postfix's TLS library reads them (tls_certkey.c): certificates and unencrypted
 * private keys in any order, the key as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}). The JDK reads PKCS#8
 * only, so the other two are wrapped into PKCS#8 with {@link Der}. Encrypted keys are refused, as
 * Postfix, which has no pass-phrase to give, refuses them.
 */
final class PemFiles {

    /** What one or more PEM files held, in file order. */
    record Contents(List<PrivateKey> keys, List<X509Certificate> certificates) {
    }

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END \\1-----", Pattern.DOTALL);
    /**
     * Certificates, the three key forms, and EC PARAMETERS, which {@code openssl ecparam -genkey} writes
     * before the key (skipped: the key names its curve itself). Anything else is an error, as in
     * Postfix's chain files.
     */
    private static final Set<String> KNOWN_TYPES = Set.of("CERTIFICATE", "X509 CERTIFICATE", "PRIVATE KEY",
            "RSA PRIVATE KEY", "EC PRIVATE KEY", "EC PARAMETERS");
    private static final String RSA = "1.2.840.113549.1.1.1";
    private static final String EC = "1.2.840.10045.2.1";
    /** PKCS#8 algorithm OIDs and the JDK KeyFactory that reads each. */
    private static final Map<String, String> KEY_FACTORIES = Map.of(
            RSA, "RSA",
            "1.2.840.113549.1.1.10", "RSASSA-PSS",
            EC, "EC",
            "1.3.101.112", "Ed25519",
            "1.3.101.113", "Ed448",
            "1.2.840.10040.4.1", "DSA");

    private PemFiles() {
    }

    /** Reads every key and certificate in {@code file}; errors name the file and the PEM object. */
    static Contents read(Path file) throws IOException {
        List<PrivateKey> keys = new ArrayList<>();
        List<X509Certificate> certs = new ArrayList<>();
        // Latin-1 maps every byte, so stray non-ASCII text between objects does not stop the read.
        Matcher m = BLOCK.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
        for (int n = 1; m.find(); n++) {
            String type = m.group(1);
            String where = " (PEM object number " + n + ") from " + file;
            String body = m.group(2);
            if (type.equals("ENCRYPTED PRIVATE KEY") || body.contains("Proc-Type: 4,ENCRYPTED")) {
                throw new IOException("error loading private key" + where
                        + ": the key is encrypted; Postfix needs a key without a pass-phrase"
                        + " (openssl pkey -in KEY -out PLAIN)");
            }
            if (!KNOWN_TYPES.contains(type)) {
                throw new IOException("error loading " + file + ": unexpected PEM type: " + type);
            }
            try {
                byte[] der = Base64.getMimeDecoder().decode(body);
                switch (type) {
                    case "CERTIFICATE", "X509 CERTIFICATE" -> certs.add((X509Certificate) CertificateFactory
                            .getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)));
                    case "PRIVATE KEY" -> keys.add(pkcs8(der));
                    case "RSA PRIVATE KEY" -> keys.add(pkcs8(wrap(Der.sequence(Der.oid(RSA), Der.nul()), der)));
                    case "EC PRIVATE KEY" -> keys.add(pkcs8(wrap(Der.sequence(Der.oid(EC), namedCurve(der)), der)));
                    default -> { }
                }
            } catch (IOException | GeneralSecurityException | IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IOException("error loading " + (type.endsWith("KEY") ? "private key" : "certificate")
                        + where + ": " + e.getMessage(), e);
            }
        }
        return new Contents(keys, certs);
    }

    /** One PEM object: {@code -----BEGIN type-----}, base64 in lines of 64, {@code -----END type-----}. */
    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The certificates of a CAfile. */
    static List<X509Certificate> certificates(Path file) throws IOException {
        return read(file).certificates();
    }

    private static PrivateKey pkcs8(byte[] der) throws IOException, GeneralSecurityException {
        // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier SEQUENCE { algorithm, parameters }, ... }
        String oid = Der.parse(der).children().get(1).children().get(0).oid();
        String factory = KEY_FACTORIES.get(oid);
        if (factory == null) {
            throw new IOException("unsupported private key algorithm " + oid);
        }
        return KeyFactory.getInstance(factory).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** PrivateKeyInfo around an algorithm-specific key (RFC 5208): version 0, the algorithm, the key. */
    private static byte[] wrap(byte[] algorithmId, byte[] key) {
        return Der.sequence(Der.integer(0), algorithmId, Der.octetString(key));
    }

    /** The curve OID of a SEC1 ECPrivateKey (RFC 5915): its {@code [0] parameters}, which OpenSSL always writes. */
    private static byte[] namedCurve(byte[] sec1) throws IOException {
        for (Der.Element e : Der.parse(sec1).children()) {
            if (e.tag() == (Der.EXPLICIT | 0)) {
                Der.Element curve = e.children().get(0);
                if (curve.tag() != Der.OID) {
                    throw new IOException("explicit EC curve parameters are not supported; use a named curve");
                }
                return Der.oid(curve.oid());
            }
        }
        throw new IOException("the EC key does not name its curve");
    }
}
