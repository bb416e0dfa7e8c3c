package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Access-table results are checked when the instance starts: an action or restriction mailrelay does
 * not implement, a lookup table inside a result, or a FILTER naming a transport the instance lacks is
 * refused then, naming the parameter, the table and the result -- never met in a session as a 421. Every
 * implemented one starts; HANGUP drops the connection as Postfix does.
 */
@Timeout(60)
class AccessActionStartTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "DELAY 1h|action DELAY is not implemented by mailrelay",
            "reject_unverified_sender|\"reject_unverified_sender\" is neither an access(5) action nor a restriction",
            "permit_mynetworks, reject_rbl_client zen.example|\"reject_rbl_client\" is neither",
            "check_sender_access hash:other|do not specify lookup tables inside SMTPD access maps",
            "FILTER nosuch:[127.0.0.1]:10025|FILTER names the unknown mail transport \"nosuch\"",
            "250 fine|\"250\" is neither"})
    void anUnimplementedResultIsRefusedAtStart(String result, String message, @TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("access.pcre"), "/^ok@/ OK\n/^x@/ " + result + "\n");
        assertThatThrownBy(() -> start(dir, "check_recipient_access pcre:access.pcre")).isInstanceOfSatisfying(
                ConfigException.class, e -> {
                    assertThat(e.parameter()).isEqualTo("smtpd_recipient_restrictions");
                    assertThat(e).hasMessageContaining("access table pcre:access.pcre result \"" + result + "\"")
                            .hasMessageContaining(message);
                });
    }

    @Test
    void everyImplementedActionStarts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("access"), """
                a DISCARD
                b HOLD
                c REDIRECT x@example.com
                d FILTER smtp:[127.0.0.1]:10025
                e PREPEND X-A: b
                f WARN
                g BCC y@example.com
                h dunno
                i OK
                j REJECT 5.7.2 no
                k DEFER_IF_REJECT
                l defer_if_permit
                m 450 4.2.0 busy
                n 12345
                o permit_mynetworks, reject
                p@example.com HANGUP
                """);
        try (Harness h = start(dir, "check_recipient_access hash:access");
             SmtpDialog d = SmtpDialog.open(h.instance("t").port("smtp"))) {
            d.send("EHLO c");
            d.send("MAIL FROM:<a@example.com>");
            assertThat(d.send("RCPT TO:<i@example.com>")).containsExactly("250 2.1.5 Ok");
            // HANGUP (smtpd_check.c): the connection is dropped without any reply.
            assertThat(d.send("RCPT TO:<p@example.com>")).containsExactly("[closed]");
        }
    }

    private static Harness start(Path dir, String access) {
        return Harness.start(List.of(InstanceConfig.named("t").directory(dir).mainCf("""
                compatibility_level = 3.6
                smtpd_recipient_restrictions = %s, permit_mynetworks, reject_unauth_destination
                """.formatted(access)).masterCf("smtp inet n - n - - smtpd")), true);
    }
}
