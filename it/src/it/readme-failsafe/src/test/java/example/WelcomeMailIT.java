package example;

// tag::imports[]
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
// end::imports[]
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The README's failsafe example: the application's mail goes relay → ISP; the test asks the API. */
class WelcomeMailIT {

    /** Stands for the application under test: plain SMTP to the relay, which trusts loopback. */
    static void sendWelcome(int relayPort) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(relayPort));
        p.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(p));
        message.setFrom(new InternetAddress("shop@app.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("Welcome");
        message.setText("Thank you for signing up.\n");
        Transport.send(message);
    }

    @Test
    void theRelayDeliversToTheIspWithItsCredentials() throws Exception {
        // tag::client[]
        MailRelayClient mailrelay = MailRelayClient.fromSystemProperties();   // or .connect("http://127.0.0.1:40123/")
        int port = mailrelay.instance("relay").port("smtp");
        sendWelcome(port);                                                      // the application under test

        ApiModel.MessageInfo m = mailrelay.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
        assertEquals("alice", m.saslUsername());                               // the relay's credentials
        assertEquals("Welcome", m.subject());
        byte[] eml = mailrelay.raw("isp", m.id());
        assertTrue(new String(eml, StandardCharsets.UTF_8).contains("Thank you for signing up."));
        ApiModel.DeliveryInfo d = mailrelay.awaitDeliveries("relay", 1, Duration.ofSeconds(10)).get(0);
        assertEquals("sent", d.status());                                      // relayed with TLS + SASL
        assertEquals("PLAIN", m.saslMethod());
        mailrelay.reset("isp");                                                 // forget what the ISP captured
        // end::client[]
        assertEquals(List.of("bob@example.org"), m.to());
    }
}
