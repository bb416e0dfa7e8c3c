package dev.mailrelay.it;

import static dev.mailrelay.it.IspServer.ALICE;
import static dev.mailrelay.it.IspServer.ALICE_PASSWORD;
import static dev.mailrelay.it.IspServer.BOB;
import static dev.mailrelay.it.IspServer.BOB_PASSWORD;
import static dev.mailrelay.it.IspServer.FROM;
import static dev.mailrelay.it.IspServer.RCPT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * msmtp (GNU SASL) submitting with every mechanism it offers that the harness serves: PLAIN, LOGIN,
 * CRAM-MD5, DIGEST-MD5, SCRAM-SHA-1, SCRAM-SHA-256, and OAUTHBEARER and XOAUTH2 with a token from
 * {@code mailrelay_sasl_oauth_tokens} (msmtp's own implementations). msmtp's remaining methods need
 * infrastructure the harness does not emulate: EXTERNAL (a TLS client certificate), GSSAPI (Kerberos), NTLM.
 */
class MsmtpClientTest {

    private static IspServer server;

    @TempDir
    Path dir;

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
    void scramSha1() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp SCRAM-SHA-1");
        ExternalProcess.Result r = msmtp("scram-sha-1", ALICE, ALICE_PASSWORD, subject);
        assertDelivered(r, "SCRAM-SHA-1", ALICE, subject);
    }

    @Test
    void scramSha256() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp SCRAM-SHA-256");
        ExternalProcess.Result r = msmtp("scram-sha-256", BOB, BOB_PASSWORD, subject);
        assertDelivered(r, "SCRAM-SHA-256", BOB, subject);
    }

    @Test
    void cramMd5() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp CRAM-MD5");
        ExternalProcess.Result r = msmtp("cram-md5", ALICE, ALICE_PASSWORD, subject);
        assertDelivered(r, "CRAM-MD5", ALICE, subject);
    }

    @Test
    void plain() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp PLAIN");
        assertDelivered(msmtp("plain", ALICE, ALICE_PASSWORD, subject), "PLAIN", ALICE, subject);
    }

    @Test
    void login() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp LOGIN");
        assertDelivered(msmtp("login", BOB, BOB_PASSWORD, subject), "LOGIN", BOB, subject);
    }

    @Test
    void digestMd5() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp DIGEST-MD5");
        assertDelivered(msmtp("digest-md5", ALICE, ALICE_PASSWORD, subject), "DIGEST-MD5", ALICE, subject);
    }

    @Test
    void oauthbearer() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp OAUTHBEARER");
        assertDelivered(msmtp("oauthbearer", ALICE, IspServer.TOKEN, subject), "OAUTHBEARER", ALICE, subject);
    }

    @Test
    void xoauth2() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp XOAUTH2");
        assertDelivered(msmtp("xoauth2", ALICE, IspServer.TOKEN, subject), "XOAUTH2", ALICE, subject);
    }

    @Test
    void wrongScramPasswordIsPostfixs535() throws IOException {
        String subject = IspServer.uniqueSubject("msmtp wrong password");
        ExternalProcess.Result r = msmtp("scram-sha-256", ALICE, "not-the-password", subject);
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(r.output()).as(r.describe())
                .contains("535 5.7.8 Error: authentication failed: authentication failure");
        assertThat(server.instance().capture().messages()).noneMatch(m -> subject.equals(m.subject()));
    }

    /**
     * Writes an msmtprc for this account (mode 600: msmtp refuses a password file others can read)
     * and sends a message read from stdin, recipients taken from its headers ({@code -t}).
     */
    private ExternalProcess.Result msmtp(String auth, String user, String password, String subject)
            throws IOException {
        String msmtp = Tools.msmtp();
        Path rc = dir.resolve("msmtprc");
        Files.writeString(rc, """
                account default
                host 127.0.0.1
                port %d
                domain client.example.net
                tls off
                auth %s
                user %s
                password %s
                from %s
                timeout 10
                """.formatted(server.port(), auth, user, password, FROM));
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        String message = "From: " + FROM + "\nTo: " + RCPT + "\nSubject: " + subject + "\n\nsent by msmtp\n";
        return ExternalProcess.run(Duration.ofSeconds(20), message, msmtp, "-C", rc.toString(), "-v", "-t");
    }

    private static void assertDelivered(ExternalProcess.Result r, String mechanism, String login, String subject) {
        assertThat(r.exitCode()).as(r.describe()).isZero();
        // -v prints the configuration and the SMTP dialogue.
        assertThat(r.output()).as(r.describe())
                .contains("--> AUTH " + mechanism)
                .contains("<-- 235 2.7.0 Authentication successful");
        CapturedMessage m = server.assertAuthenticatedDelivery(subject, mechanism, login);
        assertThat(r.output()).contains("queued as " + m.queueId());
        assertThat(m.helo()).isEqualTo("client.example.net");
    }
}
