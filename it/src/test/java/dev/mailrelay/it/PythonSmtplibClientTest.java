package dev.mailrelay.it;

import static dev.mailrelay.it.IspServer.ALICE;
import static dev.mailrelay.it.IspServer.ALICE_PASSWORD;
import static dev.mailrelay.it.IspServer.BOB;
import static dev.mailrelay.it.IspServer.BOB_PASSWORD;
import static dev.mailrelay.it.IspServer.FROM;
import static dev.mailrelay.it.IspServer.RCPT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python's smtplib: {@code login()} with its own mechanism preference, and PLAIN and LOGIN explicitly. */
class PythonSmtplibClientTest {

    private static IspServer server;
    private static Path script;

    @BeforeAll
    static void startServer() throws URISyntaxException {
        script = Path.of(PythonSmtplibClientTest.class.getResource("/smtplib_send.py").toURI());
        server = IspServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** smtplib's preference is CRAM-MD5, PLAIN, LOGIN; the server offers all three, so CRAM-MD5. */
    @Test
    void loginPicksCramMd5() {
        String subject = IspServer.uniqueSubject("smtplib login()");
        ExternalProcess.Result r = smtplib(server.port(), "login", ALICE, ALICE_PASSWORD, subject);
        assertSent(r);
        server.assertAuthenticatedDelivery(subject, "CRAM-MD5", ALICE);
    }

    /** With {@code mech_list: PLAIN LOGIN} in sasl/smtpd.conf there is no CRAM-MD5 to pick: PLAIN. */
    @Test
    void loginPicksPlainWhenMechListHasNoCramMd5(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), """
                pwcheck_method: auxprop
                auxprop_plugin: sasldb
                mech_list: PLAIN LOGIN
                """);
        try (Harness h = Harness.start(List.of(InstanceConfig.fromDirectory("plainonly", dir).mainCf("""
                myhostname = mail.isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = inline:{ alice=secret }
                """).masterCf("submission inet n - n - - smtpd")), true)) {
            String subject = IspServer.uniqueSubject("smtplib login() PLAIN LOGIN");
            ExternalProcess.Result r = smtplib(h.instance("plainonly").port("submission"), "login",
                    ALICE, ALICE_PASSWORD, subject);
            assertSent(r);
            CapturedMessage m = h.instance("plainonly").capture()
                    .awaitMessage(x -> subject.equals(x.subject()), IspServer.WAIT);
            assertThat(m.saslMethod()).isEqualTo("PLAIN");
            assertThat(m.saslUsername()).isEqualTo(ALICE);
            assertThat(m.protocol()).isEqualTo("ESMTPA");
            assertThat(m.recipients()).containsExactly(RCPT);
        }
    }

    @Test
    void authPlain() {
        String subject = IspServer.uniqueSubject("smtplib auth_plain");
        ExternalProcess.Result r = smtplib(server.port(), "plain", BOB, BOB_PASSWORD, subject);
        assertSent(r);
        server.assertAuthenticatedDelivery(subject, "PLAIN", BOB);
    }

    @Test
    void authLogin() {
        String subject = IspServer.uniqueSubject("smtplib auth_login");
        ExternalProcess.Result r = smtplib(server.port(), "login-mech", ALICE, ALICE_PASSWORD, subject);
        assertSent(r);
        server.assertAuthenticatedDelivery(subject, "LOGIN", ALICE);
    }

    @Test
    void wrongPasswordIsPostfixs535() {
        String subject = IspServer.uniqueSubject("smtplib wrong password");
        ExternalProcess.Result r = smtplib(server.port(), "plain", ALICE, "not-the-password", subject);
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as(r.describe()).isEqualTo(
                "ERROR SMTPAuthenticationError 535 5.7.8 Error: authentication failed: authentication failure\n");
        assertThat(server.instance().capture().messages()).noneMatch(m -> subject.equals(m.subject()));
    }

    private static ExternalProcess.Result smtplib(int port, String how, String user, String password,
                                                  String subject) {
        return ExternalProcess.run(Duration.ofSeconds(20), null, Tools.python3(), script.toString(),
                String.valueOf(port), how, user, password, FROM, RCPT, subject);
    }

    private static void assertSent(ExternalProcess.Result r) {
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe())
                .isEqualTo("AUTH 235 2.7.0 Authentication successful\nSENT\n");
    }
}
