package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.LogLines;
import dev.mailrelay.config.MainCf;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.xsasl.SaslServerImpls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A main.cf read at compatibility level 0 behaves with Postfix's backwards-compatible defaults
 * (mynetworks_style = subnet, append_dot_mydomain = yes), which also log Postfix's "using
 * backwards-compatible default setting ..." lines at info level; and AUTH offered with no user to
 * authenticate is a warning at start.
 */
@Timeout(60)
class CompatibilityWarningsLogLinesTest {

    static final String MAIN_CF = """
            myhostname = mail.example.com
            mydomain = example.com
            smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
            smtpd_sasl_auth_enable = yes
            default_transport = discard
            """;

    @Test
    void levelZeroUsesTheOldDefaults(@TempDir Path dir) throws Exception {
        LogLines log = LogLines.mark();
        Files.writeString(dir.resolve("main.cf"), MAIN_CF);
        Files.writeString(dir.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
        try (Harness h = Harness.start(List.of(InstanceConfig.fromDirectory("compat", dir)), true);
             SmtpDialog d = SmtpDialog.openFrom(h.instance("compat").port("smtp"), "127.0.0.2")) {
            Instance i = h.instance("compat");
            d.send("HELO c");
            // smtputf8_enable = no by the old default: non-ASCII addresses are accepted all the same.
            assertThat(d.send("MAIL FROM:<j\u00f6rg@example.com>")).containsExactly("250 2.1.0 Ok");
            // 127.0.0.2 is in mynetworks only by the subnet style (logged as the old default's doing).
            assertThat(d.send("RCPT TO:<b@remote.example.org>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("RCPT TO:<c@somehost>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("RCPT TO:<m\u00fcller@remote.example.org>")).containsExactly("250 2.1.5 Ok");
            d.send("DATA");
            d.send("Subject: x\r\n\r\nbody\r\n.");
            assertThat(i.capture().awaitMessages(1, Duration.ofSeconds(10)).get(0).recipients())
                    .containsExactly("b@remote.example.org", "c@somehost.example.com", "m\u00fcller@remote.example.org");
        }
        // Postfix's info lines, word for word (smtpd.c, smtpd_check.c, trivial-rewrite's rewrite.c).
        assertThat(logLines(log, "compat/")).anySatisfy(l -> assertThat(l).matches(".*compat/smtpd\\[\\d+\\]: using "
                        + "backwards-compatible default setting smtputf8_enable=no to accept non-ASCII sender address "
                        + "\"j\u00f6rg@example.com\" from unknown\\[127\\.0\\.0\\.2\\]"))
                .anySatisfy(l -> assertThat(l).matches(".*compat/smtpd\\[\\d+\\]: using "
                        + "backwards-compatible default setting smtputf8_enable=no to accept non-ASCII recipient address "
                        + "\"m\u00fcller@remote.example.org\" from unknown\\[127\\.0\\.0\\.2\\]"))
                .anySatisfy(l -> assertThat(l).endsWith("compat/smtpd: using backwards-compatible default setting "
                        + "mynetworks_style=subnet to permit request from client \"unknown[127.0.0.2]\""))
                .anySatisfy(l -> assertThat(l).endsWith("compat/trivial-rewrite: using backwards-compatible default "
                        + "setting append_dot_mydomain=yes to rewrite \"somehost\" to \"somehost.example.com\""));
    }

    @Test
    void smtputf8SetOrStrict(@TempDir Path dir) throws Exception {
        LogLines log = LogLines.mark();
        Files.writeString(dir.resolve("main.cf"), MAIN_CF + "smtputf8_enable = no\n");
        Files.writeString(dir.resolve("master.cf"), """
                smtp inet n - n - - smtpd
                2525 inet n - n - - smtpd -o strict_smtputf8=yes
                """);
        try (Harness h = Harness.start(List.of(InstanceConfig.fromDirectory("utf8set", dir)), true)) {
            try (SmtpDialog d = SmtpDialog.openFrom(h.instance("utf8set").port("smtp"), "127.0.0.1")) {
                d.send("HELO c");
                assertThat(d.send("MAIL FROM:<j\u00f6rg@example.com>")).containsExactly("250 2.1.0 Ok");
            }
            // strict_smtputf8 = yes: what RFC 6531 asks, and Postfix only when told.
            try (SmtpDialog d = SmtpDialog.openFrom(h.instance("utf8set").port("2525"), "127.0.0.1")) {
                d.send("HELO c");
                assertThat(d.send("MAIL FROM:<j\u00f6rg@example.com>"))
                        .containsExactly("553 5.6.7 Must declare SMTPUTF8 to send unicode address");
                assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
                assertThat(d.send("RCPT TO:<j\u00f6rg@remote.example.org>"))
                        .containsExactly("553 5.6.7 Must declare SMTPUTF8 to send unicode address");
            }
        }
        // smtputf8_enable is set: no backwards-compatible default to log.
        assertThat(logLines(log, "utf8set/")).noneMatch(l -> l.contains("smtputf8_enable"));
    }

    /** The lines logged since the mark that name {@code prefix} (an instance). */
    private static List<String> logLines(LogLines log, String prefix) {
        return log.messages().stream().filter(l -> l.contains(prefix)).toList();
    }

    @Test
    void authWithoutAnyUserIsAWarning(@TempDir Path dir) throws Exception {
        Parameters none = Parameters.defaults("t", dir).with(MainCf.parse(MAIN_CF, "main.cf"));
        assertThat(SaslServerImpls.userSourceWarning(none, dir)).hasValueSatisfying(w -> assertThat(w)
                .contains("mailrelay_sasl_users (the role of Cyrus' sasldb) is empty")
                .endsWith("so every AUTH will fail (535 5.7.8)"));
        Parameters users = Parameters.defaults("t", dir).with(MainCf.parse(MAIN_CF
                + "mailrelay_sasl_users = inline:{ a=b }\n", "main.cf"));
        assertThat(SaslServerImpls.userSourceWarning(users, dir)).isEmpty();
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), "pwcheck_method: saslauthd\n");
        assertThat(SaslServerImpls.userSourceWarning(none, dir)).isEmpty();
        Parameters off = Parameters.defaults("t", dir).with(MainCf.parse("smtpd_sasl_auth_enable = no\n", "main.cf"));
        assertThat(SaslServerImpls.userSourceWarning(off, dir)).isEmpty();
    }
}
