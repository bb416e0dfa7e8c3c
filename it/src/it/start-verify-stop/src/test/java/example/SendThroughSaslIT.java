package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The application submits to the relay (loopback is in its mynetworks, no AUTH needed); the relay
 * relays through relayhost with SASL to the ISP instance; the test asserts via the API.
 */
class SendThroughSaslIT {

    @Test
    void authenticatedMailIsCapturedWithItsLogin() throws Exception {
        MailRelayClient mailrelay = MailRelayClient.fromSystemProperties();
        int port = Integer.parseInt(System.getProperty("relay.port"));
        assertEquals(port, mailrelay.instance("relay").port("smtp"));

        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@app.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
        message.setSubject("invoker start-verify-stop");
        message.setText("hello from failsafe\n");
        Transport.send(message);

        List<ApiModel.MessageInfo> got = mailrelay.awaitMessages("isp", 1, Duration.ofSeconds(10));
        ApiModel.MessageInfo m = got.get(0);
        // mech_list PLAIN LOGIN and smtp_sasl_security_options = noanonymous: Cyrus' client takes PLAIN.
        assertEquals("PLAIN", m.saslMethod());
        assertEquals("alice", m.saslUsername());
        assertEquals(List.of("bob@elsewhere.example"), m.to());
        assertEquals("invoker start-verify-stop", m.subject());
        String raw = new String(mailrelay.raw("isp", m.id()), StandardCharsets.UTF_8);
        assertTrue(raw.contains("(Authenticated sender: alice)"), raw);
    }
}
