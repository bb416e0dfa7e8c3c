package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

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
class CompatibilityWarningsTest {

    static final String MAIN_CF = """
            myhostname = mail.example.com
            mydomain = example.com
            smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
            smtpd_sasl_auth_enable = yes
            default_transport = discard
            """;

    @Test
    void levelZeroUsesTheOldDefaults(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.cf"), MAIN_CF);
        Files.writeString(dir.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
        try (Harness h = Harness.start(List.of(InstanceConfig.fromDirectory("compat", dir)), true);
             SmtpDialog d = SmtpDialog.openFrom(h.instance("compat").port("smtp"), "127.0.0.2")) {
            Instance i = h.instance("compat");
            d.send("HELO c");
            d.send("MAIL FROM:<a@example.com>");
            // 127.0.0.2 is in mynetworks only by the subnet style (logged as the old default's doing).
            assertThat(d.send("RCPT TO:<b@remote.example.org>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("RCPT TO:<c@somehost>")).containsExactly("250 2.1.5 Ok");
            d.send("DATA");
            d.send("Subject: x\r\n\r\nbody\r\n.");
            assertThat(i.capture().awaitMessages(1, Duration.ofSeconds(10)).get(0).recipients())
                    .containsExactly("b@remote.example.org", "c@somehost.example.com");
        }
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
