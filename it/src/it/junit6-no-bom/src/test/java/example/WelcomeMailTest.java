package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The default topology with STARTTLS, asserted with JUnit's own assertions (no AssertJ here). */
@EnableSaslRelay
class WelcomeMailTest {

    @Test
    void theWelcomeMailReachesTheIsp(SaslRelay mail, @InstanceName("isp") RelayInstance isp) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", mail.host());
        props.put("mail.smtp.port", String.valueOf(mail.port()));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        props.put("mail.smtp.ssl.socketFactory", mail.entry().sslSocketFactory());
        props.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("Welcome");
        message.setText("Thank you for signing up.\n");
        Transport.send(message, mail.username(), mail.password());

        CapturedMessage submitted = mail.entry().awaitMessages(1).get(0);
        assertEquals(mail.username(), submitted.saslUsername());
        assertNotNull(submitted.tls(), "submitted over STARTTLS");
        CapturedMessage relayed = isp.awaitMessages(1).get(0);
        assertEquals("Welcome", relayed.subject());
        assertEquals(isp.username(), relayed.saslUsername());
    }
}
