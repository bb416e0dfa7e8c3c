package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cyrus {@code pwcheck_method: saslauthd} against a real saslauthd ({@code -a sasldb}, private sasldb):
 * swaks PLAIN and LOGIN through the harness, a wrong password 535, and a saslauthd that is gone 454
 * (Cyrus' SASL_FAIL).
 */
class SaslauthdBackendTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path temp;
    private static RealSaslauthd saslauthd;
    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        saslauthd = RealSaslauthd.start(temp.resolve("saslauthd"), Map.of("alice@example.com", "sa-secret"));
        Path dir = temp.resolve("isp");
        Files.createDirectories(dir.resolve("sasl"));
        // The README's sasl/smtpd.conf names saslauthd's socket relative to the instance directory.
        Files.createDirectories(dir.resolve("saslauthd"));
        Files.createSymbolicLink(dir.resolve("saslauthd/mux"), saslauthd.socket());
        Files.copy(Path.of("src/test/resources/readme/saslauthd/sasl/smtpd.conf"), dir.resolve("sasl/smtpd.conf"));
        harness = Harness.start(List.of(InstanceConfig.named("isp").directory(dir).mainCf("""
                myhostname = mail.example.com
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_local_domain = example.com
                """).masterCf("submission inet n - n - - smtpd")), true);
    }

    @AfterAll
    static void stop() {
        try {
            if (harness != null) {
                harness.close();
            }
        } finally {
            if (saslauthd != null) {
                saslauthd.close();
            }
        }
    }

    @Test
    void swaksPlainAndLoginWithRealmFromLocalDomainAndExplicit() {
        for (String[] c : List.of(new String[] {"PLAIN", "alice"}, new String[] {"LOGIN", "alice@example.com"})) {
            String subject = "saslauthd " + c[0] + " " + System.nanoTime();
            ExternalProcess.Result r = swaks(c[0], c[1], "sa-secret", subject);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            CapturedMessage m = harness.instance("isp").capture().awaitMessage(x -> subject.equals(x.subject()), WAIT);
            assertThat(m.saslMethod()).isEqualTo(c[0]);
            assertThat(m.saslUsername()).isEqualTo("alice@example.com");
        }
    }

    @Test
    void wrongPasswordAndUnknownUserAre535() {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", harness.instance("isp").port("submission"), null)) {
            d.greeting();
            assertThat(d.send("EHLO c")).contains("250-AUTH PLAIN LOGIN");
            assertThat(d.send("AUTH PLAIN " + SmtpDialog.b64("\0alice\0wrong")))
                    .containsExactly("535 5.7.8 Error: authentication failed: authentication failure");
            assertThat(d.send("AUTH PLAIN " + SmtpDialog.b64("\0nobody\0sa-secret")))
                    .containsExactly("535 5.7.8 Error: authentication failed: authentication failure");
        }
    }

    @Test
    void saslauthdGoneIs454(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), """
                pwcheck_method: saslauthd
                saslauthd_path: no-such-dir/mux
                """);
        try (Harness h = Harness.start(List.of(InstanceConfig.named("gone").directory(dir).mainCf("""
                smtpd_sasl_auth_enable = yes
                """).masterCf("submission inet n - n - - smtpd")), true);
             SmtpDialog d = SmtpDialog.open("127.0.0.1", h.instance("gone").port("submission"), null)) {
            d.greeting();
            d.send("EHLO c");
            assertThat(d.send("AUTH PLAIN " + SmtpDialog.b64("\0alice\0x")))
                    .containsExactly("454 4.7.0 Temporary authentication failure: generic failure");
        }
    }

    private static ExternalProcess.Result swaks(String mechanism, String user, String password, String subject) {
        return ExternalProcess.run(Duration.ofSeconds(20), null, Tools.swaks(),
                "--server", "127.0.0.1", "--port", String.valueOf(harness.instance("isp").port("submission")),
                "--helo", "client.example.net", "--timeout", "10",
                "--auth", mechanism, "--auth-user", user, "--auth-password", password,
                "--from", "alice@example.com", "--to", "friend@remote.example",
                "--header", "Subject: " + subject, "--body", "via saslauthd");
    }
}
