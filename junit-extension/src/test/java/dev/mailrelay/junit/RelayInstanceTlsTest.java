package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Collections;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** What a client needs to trust an instance's TLS, handed out by {@link RelayInstance}. */
@EnableSaslRelay
class RelayInstanceTlsTest {

    @Test
    void theTrustStoreHoldsTheCaAndServesAJsseClient(SaslRelay mail) throws Exception {
        RelayInstance relay = mail.entry();
        KeyStore trust = relay.trustStore();
        assertThat(Collections.list(trust.aliases())).hasSize(1);
        assertThat(trust.getCertificate(trust.aliases().nextElement())).isEqualTo(relay.caCertificate().orElseThrow());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        Mail.sendWithStarttls(mail.host(), mail.port(), ctx.getSocketFactory(), mail.username(), mail.password(),
                "app@example.com", "bob@example.org", "trust store");
        assertThat(relay).receivedMessageWithSubject("trust store").wasEncrypted();
    }

    @Test
    void thePemIsTheCaCertificate(@Instance("isp") RelayInstance isp) throws Exception {
        String pem = isp.caCertificatePem();
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo(isp.caCertificate().orElseThrow());
    }
}
