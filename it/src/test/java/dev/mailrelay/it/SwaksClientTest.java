package dev.mailrelay.it;

import static dev.mailrelay.it.IspServer.ALICE;
import static dev.mailrelay.it.IspServer.ALICE_PASSWORD;
import static dev.mailrelay.it.IspServer.BOB;
import static dev.mailrelay.it.IspServer.BOB_PASSWORD;
import static dev.mailrelay.it.IspServer.FROM;
import static dev.mailrelay.it.IspServer.RCPT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** swaks (Perl, Authen::SASL) submitting with PLAIN, LOGIN, CRAM-MD5 and DIGEST-MD5. */
class SwaksClientTest {

    /** swaks' own exit status when no AUTH mechanism succeeded. */
    private static final int SWAKS_AUTH_FAILED = 28;

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
    void plain() {
        String subject = IspServer.uniqueSubject("swaks PLAIN");
        ExternalProcess.Result r = swaks("PLAIN", ALICE, ALICE_PASSWORD, subject);
        assertDelivered(r, "PLAIN", ALICE, subject);
    }

    @Test
    void login() {
        String subject = IspServer.uniqueSubject("swaks LOGIN");
        ExternalProcess.Result r = swaks("LOGIN", BOB, BOB_PASSWORD, subject);
        assertDelivered(r, "LOGIN", BOB, subject);
    }

    @Test
    void cramMd5() {
        Tools.requirePerlModule("Digest::HMAC_MD5", "libdigest-hmac-perl");
        String subject = IspServer.uniqueSubject("swaks CRAM-MD5");
        ExternalProcess.Result r = swaks("CRAM-MD5", ALICE, ALICE_PASSWORD, subject);
        assertDelivered(r, "CRAM-MD5", ALICE, subject);
    }

    /**
     * swaks as a user runs it: Authen::SASL sends {@code digest-uri="smtp/127.0.0.1"} (the host it
     * connected to). Cyrus 2.1.28 checks only the service part of digest-uri ("xxx we don't verify
     * the hostname component", plugins/digestmd5.c), so Postfix accepts this.
     */
    @Test
    void digestMd5() {
        Tools.requirePerlModule("Authen::SASL", "libauthen-sasl-perl");
        String subject = IspServer.uniqueSubject("swaks DIGEST-MD5");
        ExternalProcess.Result r = swaks("DIGEST-MD5", ALICE, ALICE_PASSWORD, subject);
        assertDelivered(r, "DIGEST-MD5", ALICE, subject);
    }

    /** The same with digest-uri naming myhostname: isolates the digest-uri host check from the rest. */
    @Test
    void digestMd5WithDigestUriNamingMyhostname() {
        Tools.requirePerlModule("Authen::SASL", "libauthen-sasl-perl");
        String subject = IspServer.uniqueSubject("swaks DIGEST-MD5 dmd5-host");
        ExternalProcess.Result r = swaks("DIGEST-MD5", ALICE, ALICE_PASSWORD, subject,
                "--auth-extra", "dmd5-host=" + IspServer.HOSTNAME);
        assertDelivered(r, "DIGEST-MD5", ALICE, subject);
        // swaks checked the server's rspauth (mutual authentication) before sending the empty response.
        assertThat(r.stdout()).contains("<-  235 2.7.0 Authentication successful");
    }

    @Test
    void wrongPasswordIsPostfixs535() {
        String subject = IspServer.uniqueSubject("swaks wrong password");
        ExternalProcess.Result r = swaks("PLAIN", ALICE, "not-the-password", subject);
        assertThat(r.exitCode()).as(r.describe()).isNotZero().isEqualTo(SWAKS_AUTH_FAILED);
        assertThat(r.output()).as(r.describe())
                .contains("535 5.7.8 Error: authentication failed: authentication failure")
                .doesNotContain("queued as");
        assertThat(server.instance().capture().messages()).noneMatch(m -> subject.equals(m.subject()));
    }

    private static ExternalProcess.Result swaks(String mechanism, String user, String password, String subject,
                                                String... extra) {
        List<String> command = new ArrayList<>(List.of(Tools.swaks(),
                "--server", "127.0.0.1", "--port", String.valueOf(server.port()),
                "--helo", "client.example.net", "--timeout", "10",
                "--auth", mechanism, "--auth-user", user, "--auth-password", password,
                "--from", FROM, "--to", RCPT, "--header", "Subject: " + subject,
                "--body", "sent by swaks"));
        command.addAll(List.of(extra));
        return ExternalProcess.run(Duration.ofSeconds(20), null, command);
    }

    private static void assertDelivered(ExternalProcess.Result r, String mechanism, String login, String subject) {
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe())
                .contains(" -> AUTH " + mechanism)
                .contains("<-  235 2.7.0 Authentication successful")
                .containsPattern("<-  250 2\\.0\\.0 Ok: queued as [0-9A-F]+");
        CapturedMessage m = server.assertAuthenticatedDelivery(subject, mechanism, login);
        assertThat(r.stdout()).contains("queued as " + m.queueId());
        assertThat(m.helo()).isEqualTo("client.example.net");
    }
}
