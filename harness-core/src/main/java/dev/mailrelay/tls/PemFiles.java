package dev.mailrelay.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM files as Postfix's TLS library reads them: certificates and unencrypted private keys in any
 * order, the key as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or
 * SEC1 ({@code BEGIN EC PRIVATE KEY}); BouncyCastle parses the latter two, which the JDK cannot.
 */
final class PemFiles {

    /** What one or more PEM files held, in file order. */
    record Contents(List<PrivateKey> keys, List<X509Certificate> certificates) {
    }

    private PemFiles() {
    }

    /** Reads every key and certificate in {@code file}. */
    static Contents read(Path file) throws IOException {
        List<PrivateKey> keys = new ArrayList<>();
        List<X509Certificate> certs = new ArrayList<>();
        JcaPEMKeyConverter keyConverter = new JcaPEMKeyConverter();
        JcaX509CertificateConverter certConverter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(certConverter.getCertificate(holder));
                } else if (o instanceof PEMKeyPair pair) {
                    keys.add(keyConverter.getPrivateKey(pair.getPrivateKeyInfo()));
                } else if (o instanceof PrivateKeyInfo info) {
                    keys.add(keyConverter.getPrivateKey(info));
                } else {
                    throw new IOException("unsupported PEM object " + o.getClass().getSimpleName()
                            + " (encrypted keys are not supported, as in Postfix)");
                }
            }
        } catch (CertificateException e) {
            throw new IOException("bad certificate: " + e.getMessage(), e);
        }
        return new Contents(keys, certs);
    }

    /** The certificates of a CAfile. */
    static List<X509Certificate> certificates(Path file) throws IOException {
        return read(file).certificates();
    }
}
