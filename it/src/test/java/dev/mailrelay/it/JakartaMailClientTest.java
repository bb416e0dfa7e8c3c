package dev.mailrelay.it;

import static dev.mailrelay.it.IspServer.ALICE;
import static dev.mailrelay.it.IspServer.ALICE_PASSWORD;
import static dev.mailrelay.it.IspServer.BOB;
import static dev.mailrelay.it.IspServer.BOB_PASSWORD;
import static dev.mailrelay.it.IspServer.FROM;
import static dev.mailrelay.it.IspServer.RCPT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.CapturedMessage;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
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

    @Test
    void digestMd5() throws MessagingException {
        String subject = IspServer.uniqueSubject("Jakarta DIGEST-MD5");
        send(session("DIGEST-MD5", false), ALICE, ALICE_PASSWORD, subject);
        server.assertAuthenticatedDelivery(subject, "DIGEST-MD5", ALICE);
    }

    @Test
    void xoauth2WithTheTokenAsPassword() throws MessagingException {
        String subject = IspServer.uniqueSubject("Jakarta XOAUTH2");
        send(session("XOAUTH2", true), ALICE, IspServer.TOKEN, subject);
        server.assertAuthenticatedDelivery(subject, "XOAUTH2", ALICE);
    }

    @Test
    void wrongPasswordIsPostfixs535() {
        String subject = IspServer.uniqueSubject("Jakarta wrong password");
        assertThatThrownBy(() -> send(session("PLAIN", false), ALICE, "not-the-password", subject))
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("535 5.7.8 Error: authentication failed: authentication failure");
        // The failed session never reached DATA: nothing with that subject may have been accepted.
        server.instance().capture().awaitEndedSessions(1, IspServer.WAIT);
        assertThat(server.instance().capture().messages()).noneMatch(m -> subject.equals(m.subject()));
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
