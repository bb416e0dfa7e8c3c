package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailrelay.api.ApiModel;
import dev.mailrelay.api.MailRelayClient;
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

/** Sends straight to the SASL-protected instance (the relay comes later) and asserts via the API. */
class SendThroughSaslIT {

    @Test
    void authenticatedMailIsCapturedWithItsLogin() throws Exception {
        MailRelayClient mailrelay = MailRelayClient.fromSystemProperties();
        int port = Integer.parseInt(System.getProperty("isp.port"));
        assertEquals(port, mailrelay.instance("isp").port("submission"));

        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "LOGIN");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@app.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
        message.setSubject("invoker start-verify-stop");
        message.setText("hello from failsafe\n");
        Transport.send(message, "alice", "wonderland");

        List<ApiModel.MessageInfo> got = mailrelay.awaitMessages("isp", 1, Duration.ofSeconds(10));
        ApiModel.MessageInfo m = got.get(0);
        assertEquals("LOGIN", m.saslMethod());
        assertEquals("alice", m.saslUsername());
        assertEquals(List.of("bob@elsewhere.example"), m.to());
        assertEquals("invoker start-verify-stop", m.subject());
        String raw = new String(mailrelay.raw("isp", m.id()), StandardCharsets.UTF_8);
        assertTrue(raw.contains("(Authenticated sender: alice)"), raw);
    }
}
