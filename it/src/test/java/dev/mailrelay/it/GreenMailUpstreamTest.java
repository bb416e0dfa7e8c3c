package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.mailrelay.capture.DeliveryAttempt;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay against an independent upstream: GreenMail, which offers only plaintext mechanisms. As
 * SASL_README warns, Postfix's default {@code smtp_sasl_security_options = noplaintext, noanonymous}
 * then finds no mechanism and defers; {@code noanonymous} alone lets it authenticate.
 */
class GreenMailUpstreamTest {

    private GreenMail greenMail;
    private int port;

    @BeforeEach
    void startGreenMail() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        greenMail.start();
        greenMail.setUser("alice@gm.example", "alice", "secret");
        port = greenMail.getSmtp().getPort();
    }

    @AfterEach
    void stopGreenMail() {
        greenMail.stop();
    }

    private InstanceConfig relay(String securityOptions) {
        return InstanceConfig.named("relay").mainCf("""
                myhostname = relay.box.local
                relayhost = [127.0.0.1]:%d
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = inline:{ [127.0.0.1]:%d=alice:secret }
                %s
                """.formatted(port, port, securityOptions)).masterCf("smtp inet n - n - - smtpd");
    }

    private static void submit(int relayPort, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(relayPort));
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress("me@box.local"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@gm.example"));
        m.setSubject(subject);
        m.setText("via the relay\n");
        Transport.send(m);
    }

    @Test
    void relaysWithSaslToGreenMail() throws Exception {
        try (Harness h = Harness.start(List.of(relay("smtp_sasl_security_options = noanonymous")), true)) {
            submit(h.instance("relay").port("smtp"), "to greenmail");
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, Duration.ofSeconds(20)).get(0);
            assertThat(d.status()).as(d.reply()).isEqualTo(DeliveryAttempt.Status.SENT);
            assertThat(d.relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + port);
            assertThat(d.saslMethod()).isEqualTo("PLAIN");
            assertThat(d.saslUsername()).isEqualTo("alice");
            assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
            MimeMessage received = greenMail.getReceivedMessages()[0];
            assertThat(received.getSubject()).isEqualTo("to greenmail");
            // GreenMail adds its own Received line on top of the relay's.
            assertThat(received.getHeader("Received")).anySatisfy(r -> assertThat(r)
                    .contains("by relay.box.local (Postfix) with ESMTP"));
        }
    }

    @Test
    void theNoplaintextDefaultDefers() throws Exception {
        try (Harness h = Harness.start(List.of(relay("")), true)) {
            submit(h.instance("relay").port("smtp"), "deferred");
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, Duration.ofSeconds(20)).get(0);
            assertThat(d.status()).isEqualTo(DeliveryAttempt.Status.DEFERRED);
            assertThat(d.reply()).isEqualTo("SASL authentication failed; cannot authenticate to server "
                    + "127.0.0.1[127.0.0.1]: no mechanism available");
            assertThat(greenMail.getReceivedMessages()).isEmpty();
        }
    }

    @Test
    void mechanismFilterAndGenericMapsTowardsGreenMail() throws Exception {
        try (Harness h = Harness.start(List.of(InstanceConfig.named("relay").mainCf("""
                myhostname = host.localdomain.local
                mydomain = localdomain.local
                myorigin = $mydomain
                relayhost = [127.0.0.1]:%d
                smtp_sasl_auth_enable = yes
                smtp_sasl_security_options = noanonymous
                smtp_sasl_mechanism_filter = login
                smtp_sasl_password_maps = inline:{ [127.0.0.1]:%d=alice:secret }
                smtp_generic_maps = inline:{ her@localdomain.local=alice@gm.example }
                """.formatted(port, port)).masterCf("smtp inet n - n - - smtpd")), true)) {
            Properties props = new Properties();
            props.put("mail.smtp.host", "127.0.0.1");
            props.put("mail.smtp.port", String.valueOf(h.instance("relay").port("smtp")));
            MimeMessage m = new MimeMessage(Session.getInstance(props));
            m.setFrom(new InternetAddress("her@localdomain.local"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@gm.example"));
            m.setSubject("generic");
            m.setText("hi\n");
            Transport.send(m);
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, Duration.ofSeconds(20)).get(0);
            assertThat(d.status()).as(d.reply()).isEqualTo(DeliveryAttempt.Status.SENT);
            assertThat(d.saslMethod()).isEqualTo("LOGIN");
            assertThat(d.sender()).isEqualTo("alice@gm.example");
            assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
            assertThat(greenMail.getReceivedMessages()[0].getFrom()[0].toString()).isEqualTo("alice@gm.example");
        }
    }

    @Test
    void perSenderAccountsAndRelayhostsTowardsTwoGreenMails() throws Exception {
        GreenMail second = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        second.start();
        try {
            second.setUser("bob@gm2.example", "bob", "builder");
            int port2 = second.getSmtp().getPort();
            try (Harness h = Harness.start(List.of(InstanceConfig.named("relay").mainCf("""
                    myhostname = relay.box.local
                    smtp_sender_dependent_authentication = yes
                    sender_dependent_relayhost_maps = inline:{ user1@example.com=[127.0.0.1]:%d, user2@example.net=[127.0.0.1]:%d }
                    smtp_sasl_auth_enable = yes
                    smtp_sasl_security_options = noanonymous
                    smtp_sasl_password_maps = inline:{ user1@example.com=alice:secret, user2@example.net=bob:builder }
                    relayhost = [127.0.0.1]:%d
                    """.formatted(port, port2, port)).masterCf("smtp inet n - n - - smtpd")), true)) {
                int relayPort = h.instance("relay").port("smtp");
                sendAs(relayPort, "user1@example.com", "alice@gm.example", "from user1");
                sendAs(relayPort, "user2@example.net", "bob@gm2.example", "from user2");
                List<DeliveryAttempt> d = h.instance("relay").capture().awaitDeliveries(2, Duration.ofSeconds(20));
                assertThat(d).allSatisfy(a -> assertThat(a.status()).as(a.reply()).isEqualTo(DeliveryAttempt.Status.SENT));
                assertThat(d).extracting(DeliveryAttempt::saslUsername).containsExactlyInAnyOrder("alice", "bob");
                assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
                assertThat(second.waitForIncomingEmail(10_000, 1)).isTrue();
                assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo("from user1");
                assertThat(second.getReceivedMessages()[0].getSubject()).isEqualTo("from user2");
            }
        } finally {
            second.stop();
        }
    }

    private static void sendAs(int relayPort, String from, String to, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(relayPort));
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress(from));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("hi\n");
        Transport.send(m);
    }
}
