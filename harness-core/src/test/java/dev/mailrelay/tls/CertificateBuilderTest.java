package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness CA's certificates, checked by the JDK's PKIX validator and by openssl(1). */
class CertificateBuilderTest {

    @TempDir
    Path dir;

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    Path write(String name, X509Certificate cert) throws Exception {
        return Files.writeString(dir.resolve(name), HarnessCa.pem(cert));
    }

    @Test
    void harnessChainPassesPkixAndTheTrustManager() throws Exception {
        List<X509Certificate> chain = HarnessCa.serverIdentity("mail.isp.example").chain();
        X509Certificate ca = HarnessCa.certificate();
        assertThat(chain).hasSize(2).last().isSameAs(ca);
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, 1)), params);
        X509TrustManager tm = TlsParameters.pkix(List.of(ca));
        tm.checkServerTrusted(chain.toArray(new X509Certificate[0]), "ECDHE_ECDSA");

        X509Certificate leaf = chain.get(0);
        assertThat(leaf.getVersion()).isEqualTo(3);
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=mail.isp.example");
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()[0]).isTrue();
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getSubjectAlternativeNames()).extracting(n -> n.get(0) + "=" + n.get(1)).containsExactly(
                "2=mail.isp.example", "2=localhost", "7=127.0.0.1", "7=0:0:0:0:0:0:0:1");
        assertThat(leaf.getSerialNumber().signum()).isPositive();
        assertThat(ca.getBasicConstraints()).isZero();
        assertThat(ca.getKeyUsage()).startsWith(false, false, false, false, false, true, true);
        assertThat(leaf.getNotBefore()).isBefore(new Date());
        assertThat(leaf.getNotAfter()).isAfter(Date.from(Instant.now().plusSeconds(365L * 86_400)));
    }

    @Test
    void opensslReadsAndVerifiesTheHarnessChain() throws Exception {
        List<X509Certificate> chain = HarnessCa.serverIdentity("mail.isp.example").chain();
        write("ca.pem", chain.get(1));
        write("leaf.pem", chain.get(0));
        String caText = OpenSsl.run(dir, "x509", "-in", "ca.pem", "-noout", "-text");
        assertThat(caText).contains("Version: 3 (0x2)", "ecdsa-with-SHA256", "CA:TRUE, pathlen:0",
                "Certificate Sign, CRL Sign", "X509v3 Subject Key Identifier");
        String leafText = OpenSsl.run(dir, "x509", "-in", "leaf.pem", "-noout", "-text");
        assertThat(leafText).contains("Subject: CN = mail.isp.example", "CA:FALSE", "Digital Signature",
                "TLS Web Server Authentication, TLS Web Client Authentication",
                "DNS:mail.isp.example, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
                "X509v3 Authority Key Identifier");
        for (String[] check : new String[][] {{"-verify_hostname", "mail.isp.example"},
                {"-verify_hostname", "localhost"}, {"-verify_ip", "127.0.0.1"}, {"-verify_ip", "::1"}}) {
            assertThat(OpenSsl.run(dir, "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.pem",
                    check[0], check[1], "leaf.pem")).isEqualTo("leaf.pem: OK\n");
        }
        // serverAuth and clientAuth: a harness certificate also serves as a TLS client's.
        assertThat(OpenSsl.run(dir, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "ca.pem",
                "leaf.pem")).isEqualTo("leaf.pem: OK\n");
    }

    @Test
    void rsaIssuerLongNamesAndTimesAfter2049() throws Exception {
        KeyPair caKeys = rsa();
        KeyPair leafKeys = ec();
        X509Certificate ca = new CertificateBuilder(new X500Principal("CN=RSA test CA, O=mailrelay"), caKeys.getPublic())
                .validity(Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2060-06-30T12:34:56Z"))
                .ca().sign(caKeys.getPrivate());
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(ca.getNotAfter()).isEqualTo(Date.from(Instant.parse("2060-06-30T12:34:56Z")));
        // Enough names for a subjectAltName of more than 255 bytes (a two-byte DER length).
        List<String> names = new ArrayList<>(IntStream.range(0, 30).mapToObj(i -> "host" + i + ".example").toList());
        X509Certificate leaf = new CertificateBuilder(new X500Principal("CN=host0.example"), leafKeys.getPublic())
                .issuer(ca).server(names, List.of(InetAddress.getByName("192.0.2.1")))
                .sign(caKeys.getPrivate());
        assertThat(leaf.getSubjectAlternativeNames()).hasSize(31);
        leaf.verify(caKeys.getPublic());
        write("ca.pem", ca);
        write("leaf.pem", leaf);
        assertThat(OpenSsl.run(dir, "verify", "-x509_strict", "-CAfile", "ca.pem", "-verify_hostname",
                "host29.example", "-verify_ip", "192.0.2.1", "leaf.pem")).isEqualTo("leaf.pem: OK\n");
        assertThat(OpenSsl.run(dir, "x509", "-in", "ca.pem", "-noout", "-dates"))
                .contains("notAfter=Jun 30 12:34:56 2060 GMT");
    }

    @Test
    void derObjectIdentifiersAndLengths() throws Exception {
        for (String oid : List.of("1.2.840.113549.1.1.11", "2.5.29.17", "2.999.1", "1.3.6.1.4.1.311.21.20")) {
            assertThat(Der.parse(Der.oid(oid)).oid()).isEqualTo(oid);
        }
        for (int n : new int[] {0, 127, 128, 255, 256, 65_535, 65_536}) {
            Der.Element e = Der.parse(Der.octetString(new byte[n]));
            assertThat(e.length()).isEqualTo(n);
        }
        assertThat(Der.integer(BigInteger.valueOf(128))).containsExactly(0x02, 0x02, 0x00, 0x80);
    }
}
