package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The README's adjusted default topology: the relay requires STARTTLS; the rest stays as it was. */
// tag::adjust[]
@EnableSaslRelay(defaultTopology = true, instances = @SaslInstance(name = "relay", tls = "encrypt"))
// end::adjust[]
class AdjustedDefaultTopologyExampleTest {

    @Test
    void theRelayRequiresTlsAndStillRelaysToTheIsp(SaslRelay mail, @InstanceName("isp") RelayInstance isp)
            throws Exception {
        org.assertj.core.api.Assertions.assertThat(mail.instance("relay").parameters()
                .get("smtpd_tls_security_level")).isEqualTo("encrypt");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sendWithoutTls(mail))
                .isInstanceOf(MessagingException.class).hasStackTraceContaining("530 5.7.0 Must issue a STARTTLS command first");
        JakartaMailExampleTest.sendWelcome(mail.host(), mail.port(), mail.username(), mail.password(),
                mail.entry().sslSocketFactory());
        mail.flush();
        assertThat(isp).receivedMessage().hasSubject("Welcome").wasAuthenticatedAs(isp.username());
    }

    private static void sendWithoutTls(SaslRelay mail) throws MessagingException {
        Properties props = new Properties();
        props.put("mail.smtp.host", mail.host());
        props.put("mail.smtp.port", String.valueOf(mail.port()));
        props.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("in clear");
        message.setText("hi\n");
        Transport.send(message);
    }
}
