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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * curl's SMTP client ({@code smtp://}, {@code --mail-from}, {@code --mail-rcpt}, {@code -T file})
 * with every SASL mechanism it implements that the harness serves, chosen with
 * {@code --login-options AUTH=...}: PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5 with {@code --user}, and
 * OAUTHBEARER and XOAUTH2 with {@code --oauth2-bearer}. (curl's NTLM, GSSAPI and EXTERNAL need
 * infrastructure the harness does not emulate.)
 */
class CurlClientTest {

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
    void plain() throws IOException {
        assertDelivered("PLAIN", ALICE, "--user", ALICE + ":" + ALICE_PASSWORD);
    }

    @Test
    void plainWithInitialResponse() throws IOException {
        String subject = IspServer.uniqueSubject("curl PLAIN --sasl-ir");
        ExternalProcess.Result r = curl(server.port(), subject, "PLAIN", "--sasl-ir", "--user", ALICE + ":" + ALICE_PASSWORD);
        assertThat(r.stderr()).as(r.describe()).contains("> AUTH PLAIN AGFsaWNl");
        server.assertAuthenticatedDelivery(subject, "PLAIN", ALICE);
    }

    @Test
    void login() throws IOException {
        assertDelivered("LOGIN", BOB, "--user", BOB + ":" + BOB_PASSWORD);
    }

    @Test
    void cramMd5() throws IOException {
        assertDelivered("CRAM-MD5", ALICE, "--user", ALICE + ":" + ALICE_PASSWORD);
    }

    @Test
    void digestMd5() throws IOException {
        assertDelivered("DIGEST-MD5", BOB, "--user", BOB + ":" + BOB_PASSWORD);
    }

    @Test
    void oauthbearer() throws IOException {
        assertDelivered("OAUTHBEARER", ALICE, "--user", ALICE, "--oauth2-bearer", IspServer.TOKEN);
    }

    /**
     * curl 7.88 sends OAUTHBEARER whenever the server offers it, even with {@code AUTH=XOAUTH2}: XOAUTH2
     * is tested against a service offering only XOAUTH2 ({@code smtpd_sasl_mechanism_filter = xoauth2}).
     */
    @Test
    void xoauth2() throws IOException {
        assertDelivered("XOAUTH2", ALICE, "--user", ALICE, "--oauth2-bearer", IspServer.TOKEN);
    }

    @Test
    void xoauth2LoginOptionStillPrefersOauthbearerWhenBothAreOffered() throws IOException {
        String subject = IspServer.uniqueSubject("curl AUTH=XOAUTH2, both offered");
        ExternalProcess.Result r = curl(server.port(), subject, "XOAUTH2", "--user", ALICE, "--oauth2-bearer", IspServer.TOKEN);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stderr()).as(r.describe()).contains("> AUTH OAUTHBEARER");
        server.assertAuthenticatedDelivery(subject, "OAUTHBEARER", ALICE);
    }

    @Test
    void wrongPasswordIsPostfixs535() throws IOException {
        String subject = IspServer.uniqueSubject("curl wrong password");
        ExternalProcess.Result r = curl(server.port(), subject, "CRAM-MD5", "--user", ALICE + ":wrong");
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(67); // CURLE_LOGIN_DENIED
        assertThat(r.stderr()).as(r.describe())
                .contains("< 535 5.7.8 Error: authentication failed: authentication failure");
        assertThat(server.instance().capture().messages()).noneMatch(m -> subject.equals(m.subject()));
    }

    private void assertDelivered(String mechanism, String login, String... auth) throws IOException {
        String subject = IspServer.uniqueSubject("curl " + mechanism);
        int port = mechanism.equals("XOAUTH2") ? server.xoauth2OnlyPort() : server.port();
        ExternalProcess.Result r = curl(port, subject, mechanism, auth);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        // -v prints the dialogue on stderr: "> " for what curl sent, "< " for the replies.
        assertThat(r.stderr()).as(r.describe())
                .contains("> AUTH " + mechanism)
                .contains("< 235 2.7.0 Authentication successful");
        CapturedMessage m = server.assertAuthenticatedDelivery(subject, mechanism, login);
        assertThat(r.stderr()).contains("queued as " + m.queueId());
        assertThat(m.helo()).as("the URL path is curl's EHLO name").isEqualTo("client.example.net");
    }

    /** curl -v smtp://127.0.0.1:port/client.example.net --mail-from --mail-rcpt -T message. */
    private ExternalProcess.Result curl(int port, String subject, String mechanism, String... auth) throws IOException {
        String curl = Tools.require("curl", "curl");
        Path message = dir.resolve("message.eml");
        Files.writeString(message, "From: " + FROM + "\r\nTo: " + RCPT + "\r\nSubject: " + subject
                + "\r\n\r\nsent by curl\r\n");
        List<String> command = new ArrayList<>(List.of(curl, "-v", "-sS", "--max-time", "20",
                "smtp://127.0.0.1:" + port + "/client.example.net",
                "--mail-from", FROM, "--mail-rcpt", RCPT, "-T", message.toString(),
                "--login-options", "AUTH=" + mechanism));
        command.addAll(List.of(auth));
        return ExternalProcess.run(Duration.ofSeconds(30), null, command);
    }
}
