package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Runs in each module of a -T 2 build. No system property is configured for the API: the client
 * finds this module's target/mailrelay/mailrelay.properties, so it talks to this module's servers,
 * which know this module's login only.
 */
class OwnServersIT {

    @Test
    void eachModuleHasItsOwnServers() throws Exception {
        String module = System.getProperty("module");
        MailRelayClient mailrelay = MailRelayClient.fromSystemProperties();
        int port = mailrelay.instance("isp").port("submission");

        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(module + "@app.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("rcpt@elsewhere.example"));
        message.setSubject("from " + module);
        message.setText("hello\n");
        Transport.send(message, module, "secret-of-" + module);

        ApiModel.MessageInfo m = mailrelay.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
        assertEquals(module, m.saslUsername());
        assertEquals("from " + module, m.subject());
        assertEquals(1, mailrelay.messages("isp").size());
    }
}
