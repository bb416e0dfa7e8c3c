package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code smtpd_sasl_type = dovecot} against a real Dovecot 2.3 auth service (passwd-file users) over
 * its unix socket (a path relative to the instance directory) and its inet listener; swaks and
 * Jakarta Mail authenticate through the harness; a Dovecot that goes away gives Postfix's 454 and
 * the next session reconnects.
 */
class DovecotBackendTest {
    private static final String USER = "alice@example.com";
    private static final String PASSWORD = "dove-secret";
    private static final String FROM = "alice@example.com";
    private static final String RCPT = "friend@remote.example";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path temp;
    private static RealDovecot dovecot;
    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        dovecot = RealDovecot.start(temp.resolve("dovecot"), Map.of(USER, PASSWORD, "bob@example.com", "bobpw"));
        Path instanceDir = temp.resolve("isp");
        java.nio.file.Files.createDirectories(instanceDir);
        // A relative smtpd_sasl_path: "private/auth" in the instance directory, as Postfix's queue directory has it.
        java.nio.file.Files.createDirectories(instanceDir.resolve("private"));
        java.nio.file.Files.createSymbolicLink(instanceDir.resolve("private/auth"), dovecot.authSocket());
        String common = """
                myhostname = mail.isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_type = dovecot
                """;
        harness = Harness.start(List.of(
                InstanceConfig.named("isp").directory(instanceDir).mainCf("""
                        myhostname = mail.isp.example
                        mynetworks =
                        # tag::dovecot[]
                        smtpd_sasl_auth_enable = yes
                        smtpd_sasl_type = dovecot
                        smtpd_sasl_path = private/auth
                        # or inet:127.0.0.1:12345 for Dovecot's inet_listener
                        # end::dovecot[]
                        """).masterCf("""
                        submission inet n - n - - smtpd
                        noplain inet n - n - - smtpd -o smtpd_sasl_security_options=noplaintext,noanonymous
                        """),
                InstanceConfig.named("inet").mainCf(common + "smtpd_sasl_path = inet:127.0.0.1:" + dovecot.inetPort())
                        .masterCf("submission inet n - n - - smtpd")), true);
    }

    @AfterAll
    static void stop() {
        try {
            if (harness != null) {
                harness.close();
            }
        } finally {
            if (dovecot != null) {
                dovecot.close();
            }
        }
    }

    private static int port(String instance, String service) {
        return harness.instance(instance).port(service);
    }

    @Test
    void ehloListsDovecotsMechanismsFilteredBySecurityOptions() {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port("isp", "submission"), null)) {
            d.greeting();
            assertThat(d.send("EHLO client.example.net")).contains("250-AUTH PLAIN LOGIN CRAM-MD5");
        }
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port("isp", "noplain"), null)) {
            d.greeting();
            assertThat(d.send("EHLO client.example.net")).contains("250-AUTH CRAM-MD5")
                    .noneMatch(l -> l.contains("PLAIN"));
            assertThat(d.send("AUTH PLAIN " + SmtpDialog.b64("\0" + USER + "\0" + PASSWORD)))
                    .containsExactly("535 5.7.8 Error: authentication failed: Invalid authentication mechanism");
        }
    }

    @Test
    void swaksEveryMechanismOverTheUnixSocket() {
        Tools.requirePerlModule("Digest::HMAC_MD5", "libdigest-hmac-perl");
        for (String mech : List.of("PLAIN", "LOGIN", "CRAM-MD5")) {
            String subject = "dovecot swaks " + mech + " " + System.nanoTime();
            ExternalProcess.Result r = swaks(port("isp", "submission"), mech, USER, PASSWORD, subject);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).contains("<-  235 2.7.0 Authentication successful");
            CapturedMessage m = harness.instance("isp").capture().awaitMessage(x -> subject.equals(x.subject()), WAIT);
            assertThat(m.saslMethod()).isEqualTo(mech);
            assertThat(m.saslUsername()).isEqualTo(USER);
        }
    }

    @Test
    void wrongPasswordFailsAsPostfixWithDovecot() {
        ExternalProcess.Result r = swaks(port("isp", "submission"), "PLAIN", USER, "wrong", "x");
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        // Dovecot 2.3 sends FAIL without reason= for a wrong password; Postfix shows "(reason unavailable)".
        assertThat(r.output()).contains("535 5.7.8 Error: authentication failed: (reason unavailable)");
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port("isp", "submission"), null)) {
            d.greeting();
            d.send("EHLO c");
            assertThat(d.send("AUTH PLAIN !!!!")).containsExactly(
                    "535 5.7.8 Error: authentication failed: Invalid base64 data in initial response");
            assertThat(d.send("AUTH LOGIN")).containsExactly("334 VXNlcm5hbWU6");
            assertThat(d.send("*")).containsExactly("501 5.7.0 Authentication aborted");
            assertThat(d.send("AUTH LOGIN")).containsExactly("334 VXNlcm5hbWU6");
            assertThat(d.send("a b")).containsExactly(
                    "535 5.7.8 Error: authentication failed: Invalid base64 data in continued response");
            assertThat(d.send("AUTH FOO")).containsExactly(
                    "535 5.7.8 Error: authentication failed: Invalid authentication mechanism");
        }
    }

    @Test
    void jakartaMailOverTheInetListener() throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(port("inet", "submission")));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.auth.mechanisms", "LOGIN");
        props.put("mail.smtp.connectiontimeout", "10000");
        props.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(props);
        MimeMessage msg = new MimeMessage(session);
        String subject = "dovecot inet " + System.nanoTime();
        msg.setFrom(new InternetAddress(FROM));
        msg.setRecipient(Message.RecipientType.TO, new InternetAddress(RCPT));
        msg.setSubject(subject);
        msg.setText("via Dovecot over TCP");
        Transport.send(msg, "bob@example.com", "bobpw");
        CapturedMessage m = harness.instance("inet").capture().awaitMessage(x -> subject.equals(x.subject()), WAIT);
        assertThat(m.saslMethod()).isEqualTo("LOGIN");
        assertThat(m.saslUsername()).isEqualTo("bob@example.com");
    }

    /** Runs last in its own harness so that stopping Dovecot disturbs no other test. */
    @Test
    void lostConnectionIs454AndTheNextSessionReconnects(@TempDir Path dir) throws Exception {
        try (RealDovecot own = RealDovecot.start(dir.resolve("dovecot"), Map.of(USER, PASSWORD));
             Harness h = Harness.start(List.of(InstanceConfig.named("lost").mainCf("""
                     mynetworks =
                     smtpd_sasl_auth_enable = yes
                     smtpd_sasl_type = dovecot
                     smtpd_sasl_path = %s
                     """.formatted(own.authSocket())).masterCf("submission inet n - n - - smtpd")), true)) {
            int p = h.instance("lost").port("submission");
            String plain = "AUTH PLAIN " + SmtpDialog.b64("\0" + USER + "\0" + PASSWORD);
            try (SmtpDialog d = SmtpDialog.open("127.0.0.1", p, null)) {
                d.greeting();
                assertThat(d.send("EHLO c")).contains("250-AUTH PLAIN LOGIN CRAM-MD5");
                own.stop();
                assertThat(d.send(plain)).containsExactly(
                        "454 4.7.0 Temporary authentication failure: Connection lost to authentication server");
                own.restart();
                assertThat(d.send(plain)).containsExactly("235 2.7.0 Authentication successful");
            }
            try (SmtpDialog d = SmtpDialog.open("127.0.0.1", p, null)) {
                d.greeting();
                d.send("EHLO c");
                assertThat(d.send(plain)).containsExactly("235 2.7.0 Authentication successful");
            }
        }
    }

    private static ExternalProcess.Result swaks(int port, String mechanism, String user, String password, String subject) {
        List<String> command = new ArrayList<>(List.of(Tools.swaks(),
                "--server", "127.0.0.1", "--port", String.valueOf(port),
                "--helo", "client.example.net", "--timeout", "10",
                "--auth", mechanism, "--auth-user", user, "--auth-password", password,
                "--from", FROM, "--to", RCPT, "--header", "Subject: " + subject, "--body", "via Dovecot"));
        return ExternalProcess.run(Duration.ofSeconds(20), null, command);
    }
}
