package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void theReadmeLinesTrustTheHarness(SaslRelay mail, @TempDir Path dir) throws Exception {
        RelayInstance relay = mail.entry();
        Properties props = new Properties();
        props.put("mail.smtp.host", relay.host());
        props.put("mail.smtp.port", String.valueOf(relay.port("smtp")));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.ssl.checkserveridentity", "true");
        // tag::socket-factory[]
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        // tag::trust[]
        props.put("mail.smtp.ssl.socketFactory", relay.sslSocketFactory());   // Jakarta Mail
        // end::socket-factory[]
        Files.writeString(dir.resolve("ca.pem"), relay.caCertificatePem());   // msmtp tls_trust_file, curl --cacert
        KeyStore trust = relay.trustStore();                                  // javax.net.ssl / Spring SSL bundles
        // end::trust[]
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("app@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("trusted through the handle");
        message.setText("hi\n");
        Transport.send(message, mail.username(), mail.password());
        assertThat(relay).receivedMessageWithSubject("trusted through the handle").wasEncrypted();
        assertThat(Files.readString(dir.resolve("ca.pem"))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(trust.size()).isEqualTo(1);
    }

    @Test
    void thePemIsTheCaCertificate(@InstanceName("isp") RelayInstance isp) throws Exception {
        String pem = isp.caCertificatePem();
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo(isp.caCertificate().orElseThrow());
    }
}
