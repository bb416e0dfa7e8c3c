package dev.mailrelay.master;

// tag::imports[]
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
// end::imports[]
import org.junit.jupiter.api.Test;

/** The README's "Java API (harness core)" example, as it is printed there. */
class JavaApiExampleTest {

    @Test
    void anIspWithOneUserCapturesTheAuthenticatedMessage() throws Exception {
        // tag::example[]
        try (Harness harness = Harness.start(List.of(
                InstanceConfig.named("isp")
                    .mainCf("""
                        smtpd_sasl_auth_enable = yes
                        mailrelay_sasl_users = inline:{ alice=secret }
                        """)
                    .masterCf("submission inet n - n - - smtpd")), true)) {
            int port = harness.instance("isp").port("submission");

            // The application under test sends mail to 127.0.0.1:port with AUTH, e.g. with Jakarta Mail:
            Properties props = new Properties();
            props.put("mail.smtp.host", "127.0.0.1");
            props.put("mail.smtp.port", String.valueOf(port));
            props.put("mail.smtp.auth", "true");
            MimeMessage message = new MimeMessage(Session.getInstance(props));
            message.setFrom(new InternetAddress("alice@example.com"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
            message.setSubject("Invoice");
            message.setText("Please find the invoice attached.\n");
            Transport.send(message, "alice", "secret");

            CapturedMessage m = harness.instance("isp").capture().awaitMessages(1, Duration.ofSeconds(10)).get(0);
            assertEquals("alice", m.saslUsername());
            assertEquals("Invoice", m.subject());
        }
        // end::example[]
    }
}
