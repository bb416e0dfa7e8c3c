package dev.mailrelay.it;

import static dev.mailrelay.it.IspServer.ALICE;
import static dev.mailrelay.it.IspServer.ALICE_PASSWORD;
import static dev.mailrelay.it.IspServer.BOB;
import static dev.mailrelay.it.IspServer.BOB_PASSWORD;
import static dev.mailrelay.it.IspServer.FROM;
import static dev.mailrelay.it.IspServer.RCPT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Jakarta Mail (Eclipse Angus) submitting with each SASL mechanism it implements. */
class JakartaMailClientTest {

    private static IspServer server;

    @BeforeAll
    static void startServer() {
        server = IspServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void plain() throws MessagingException {
        String subject = IspServer.uniqueSubject("Jakarta PLAIN");
        send(session("PLAIN", false), ALICE, ALICE_PASSWORD, subject);
        server.assertAuthenticatedDelivery(subject, "PLAIN", ALICE);
    }

    @Test
    void login() throws MessagingException {
        String subject = IspServer.uniqueSubject("Jakarta LOGIN");
        send(session("LOGIN", false), BOB, BOB_PASSWORD, subject);
        server.assertAuthenticatedDelivery(subject, "LOGIN", BOB);
    }

    /**
     * Angus sends {@code digest-uri="smtp/127.0.0.1"} (the host it connected to) and
     * {@code charset="utf-8"} quoted. Cyrus 2.1.28 checks only the service part of digest-uri and
     * unquotes values, so Postfix accepts this.
     */
    @Test
    void digestMd5() throws MessagingException {
        String subject = IspServer.uniqueSubject("Jakarta DIGEST-MD5");
        send(session("DIGEST-MD5", false), ALICE, ALICE_PASSWORD, subject);
        server.assertAuthenticatedDelivery(subject, "DIGEST-MD5", ALICE);
    }

    /**
     * DIGEST-MD5 where the digest-uri Angus sends names myhostname ({@code smtp/localhost}): isolates
     * the digest-uri host check from the rest of the mechanism.
     */
    @Test
    void digestMd5WithDigestUriNamingMyhostname() throws MessagingException {
        try (Harness local = Harness.start(List.of(InstanceConfig.named("local").mainCf("""
                myhostname = localhost
                mynetworks =
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = inline:{ alice=secret }
                """).masterCf("submission inet n - n - - smtpd")), true)) {
            String subject = IspServer.uniqueSubject("Jakarta DIGEST-MD5 localhost");
            Session session = session("DIGEST-MD5", false);
            session.getProperties().put("mail.smtp.host", "localhost");
            session.getProperties().put("mail.smtp.port", String.valueOf(local.instance("local").port("submission")));
            send(session, ALICE, ALICE_PASSWORD, subject);
            CapturedMessage m = local.instance("local").capture()
                    .awaitMessage(x -> subject.equals(x.subject()), IspServer.WAIT);
            assertThat(m.saslMethod()).isEqualTo("DIGEST-MD5");
            assertThat(m.saslUsername()).isEqualTo(ALICE);
            assertThat(m.protocol()).isEqualTo("ESMTPA");
            assertThat(m.receivedHeader()).contains("with ESMTPA id " + m.queueId());
        }
    }

    @Test
    void xoauth2WithTheTokenAsPassword() throws MessagingException {
        String subject = IspServer.uniqueSubject("Jakarta XOAUTH2");
        send(session("XOAUTH2", true), ALICE, IspServer.TOKEN, subject);
        server.assertAuthenticatedDelivery(subject, "XOAUTH2", ALICE);
    }

    @Test
    void wrongPasswordIsPostfixs535() {
        Capture capture = server.instance().capture();
        long endedBefore = capture.sessions().stream().filter(s -> s.end() != null).count();
        String subject = IspServer.uniqueSubject("Jakarta wrong password");
        assertThatThrownBy(() -> send(session("PLAIN", false), ALICE, "not-the-password", subject))
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("535 5.7.8 Error: authentication failed: authentication failure");
        // Angus gives up after the 535 and closes the session without a MAIL command.
        List<CapturedSession> sessions = capture.awaitEndedSessions((int) endedBefore + 1, IspServer.WAIT);
        assertThat(sessions).anySatisfy(s -> {
            assertThat(s.saslMethod()).isNull();
            assertThat(s.transcript()).anySatisfy(e -> {
                assertThat(e.command()).startsWith("AUTH PLAIN");
                assertThat(e.reply()).containsExactly("535 5.7.8 Error: authentication failed: authentication failure");
            });
            assertThat(s.transcript()).noneMatch(e -> e.command() != null && e.command().startsWith("MAIL"));
        });
        assertThat(capture.messages()).noneMatch(m -> subject.equals(m.subject()));
    }

    private static Session session(String mechanism, boolean xoauth2) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.port()));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", mechanism);
        if (xoauth2) {
            p.put("mail.smtp.auth.xoauth2.disable", "false");
        }
        p.put("mail.smtp.localhost", "client.example.net");
        int timeout = (int) Duration.ofSeconds(10).toMillis();
        p.put("mail.smtp.connectiontimeout", String.valueOf(timeout));
        p.put("mail.smtp.timeout", String.valueOf(timeout));
        p.put("mail.smtp.writetimeout", String.valueOf(timeout));
        return Session.getInstance(p);
    }

    private static void send(Session session, String user, String password, String subject)
            throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(FROM));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(RCPT));
        message.setSubject(subject);
        message.setText("sent by Jakarta Mail\n");
        Transport.send(message, user, password);
    }
}
