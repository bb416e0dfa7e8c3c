package dev.mailrelay.standalone;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.HarnessCa;
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
 * The main job on its embedded defaults, shaped like production submission (as the JUnit extension's
 * default topology): a SASL-protected ISP server configured as SASL_README configures Postfix, its
 * submission service as master.cf ships it (TLS required, AUTH only over TLS), and a relay configured
 * as SOHO_README's client ({@code relayhost}, {@code smtp_sasl_password_maps},
 * {@code smtp_tls_security_level = encrypt}) that offers STARTTLS; Jakarta Mail submits one message
 * to the relay with STARTTLS required, the relay relays it over TLS with SASL, and what was relayed is
 * printed from both captures.
 */
final class Demo {

    private Demo() {
    }

    static int run(PrintStream out) {
        InstanceConfig isp = InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_authenticated_header = yes
                broken_sasl_auth_clients = yes
                smtpd_recipient_restrictions =
                    permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
                mailrelay_sasl_users = inline:{ alice@isp.example=wonderland }
                default_transport = discard
                """).masterCf("""
                submission inet n - n - - smtpd
                  -o smtpd_tls_security_level=encrypt
                  -o smtpd_sasl_auth_enable=yes
                  -o smtpd_tls_auth_only=yes
                """);
        InstanceConfig relay = InstanceConfig.named("relay").mainCf("""
                myhostname = relay.box.local
                smtpd_tls_security_level = may
                relayhost = [mail.isp.example]:submission
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=alice@isp.example:wonderland }
                smtp_sasl_tls_security_options = noanonymous
                smtp_tls_security_level = encrypt
                """).masterCf("smtp inet n - n - - smtpd");
        try (Harness harness = Harness.start(List.of(isp, relay), true)) {
            Instance server = harness.instance("isp");
            Instance client = harness.instance("relay");
            out.println("started isp " + server.listeners() + " and relay " + client.listeners());
            int port = client.port("smtp");
            Properties props = new Properties();
            props.put("mail.smtp.host", "127.0.0.1");
            props.put("mail.smtp.port", String.valueOf(port));
            props.put("mail.smtp.starttls.enable", "true");
            props.put("mail.smtp.starttls.required", "true");
            props.put("mail.smtp.ssl.socketFactory", HarnessCa.socketFactory());
            MimeMessage message = new MimeMessage(Session.getInstance(props));
            message.setFrom(new InternetAddress("me@box.local"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@isp.example"));
            message.setSubject("Hello through an authenticated relay");
            message.setText("Submitted to the relay, relayed to the ISP with SASL.\n");
            out.println("sending with Jakarta Mail (STARTTLS required) to the relay at 127.0.0.1:" + port);
            Transport.send(message);
            DeliveryAttempt d = client.capture().awaitDeliveries(1, Duration.ofSeconds(10)).get(0);
            out.println("relay: " + d.queueId() + ": to=" + d.recipients() + ", relay=" + d.relay()
                    + ", tls=" + (d.tls() == null ? "none" : d.tls().protocol() + " " + d.tls().cipher())
                    + ", sasl_method=" + d.saslMethod() + ", sasl_username=" + d.saslUsername()
                    + ", dsn=" + d.dsn() + ", status=" + d.status().word() + " (" + d.reply() + ")");
            if (d.status() != DeliveryAttempt.Status.SENT) {
                return 1;
            }
            CapturedMessage got = server.capture().awaitMessages(1, Duration.ofSeconds(10)).get(0);
            out.println("isp captured: " + got);
            out.println("  envelope: from=<" + got.sender() + "> to=" + got.recipients());
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
