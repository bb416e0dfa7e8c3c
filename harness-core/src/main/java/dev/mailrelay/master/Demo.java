package dev.mailrelay.master;

import dev.mailrelay.capture.CapturedMessage;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * The main job on its embedded defaults: start a SASL-protected server configured as SASL_README
 * configures Postfix, send one authenticated message to it with Jakarta Mail, and print what the
 * server captured.
 */
final class Demo {

    private Demo() {
    }

    static int run(PrintStream out) {
        InstanceConfig isp = InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_authenticated_header = yes
                broken_sasl_auth_clients = yes
                smtpd_recipient_restrictions =
                    permit_sasl_authenticated, reject_unauth_destination
                smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                mynetworks =
                mailrelay_sasl_users = inline:{ alice@isp.example=wonderland }
                """).masterCf("submission inet n - n - - smtpd");
        try (Harness harness = Harness.start(List.of(isp), true)) {
            Instance server = harness.instance("isp");
            int port = server.port("submission");
            out.println("started instance isp: " + server.listeners());
            Properties props = new Properties();
            props.put("mail.smtp.host", "127.0.0.1");
            props.put("mail.smtp.port", String.valueOf(port));
            props.put("mail.smtp.auth", "true");
            props.put("mail.smtp.auth.mechanisms", "PLAIN");
            Session session = Session.getInstance(props);
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress("alice@isp.example"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
            message.setSubject("Hello through a SASL-protected server");
            message.setText("Sent with Jakarta Mail, AUTH PLAIN as alice@isp.example.\n");
            out.println("sending with Jakarta Mail to 127.0.0.1:" + port + " as alice@isp.example (AUTH PLAIN)");
            Transport.send(message, "alice@isp.example", "wonderland");
            CapturedMessage got = server.capture().awaitMessages(1, Duration.ofSeconds(10)).get(0);
            out.println("captured: " + got);
            out.println("  envelope: from=<" + got.sender() + "> to=" + got.recipients());
            out.println("  sasl_method=" + got.saslMethod() + " sasl_username=" + got.saslUsername()
                    + " protocol=" + got.protocol());
            out.println("  subject: " + got.subject());
            out.println("  Received header:");
            got.receivedHeader().lines().forEach(l -> out.println("    " + l));
            return 0;
        } catch (MessagingException e) {
            out.println("demo failed: the client could not send: " + e.getMessage());
            return 1;
        }
    }
}
