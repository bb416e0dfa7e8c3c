package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No command can be repeated forever: HELO, EHLO, RSET, NOOP and VRFY carry smtpd.c's
 * SMTPD_CMD_FLAG_LIMIT. With smtpd_junk_command_limit = 100 the 102nd counts as an error, and once
 * smtpd_hard_error_limit (20) errors are reached the server says 421 instead of reading command #122,
 * as Postfix 3.7 does (smtpd_error_sleep_time = 0 only skips the tarpit, not the count).
 */
class SmtpdJunkCommandTest {

    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = Harness.start(List.of(InstanceConfig.named("srv").mainCf("""
                myhostname = mail.example.com
                smtpd_error_sleep_time = 0
                """)), true);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"EHLO client.example", "HELO client.example", "NOOP", "RSET", "VRFY postmaster"})
    void theSameCommandInALoopIsCutOffAtPostfixsCount(String command) throws Exception {
        try (SmtpDialog d = SmtpDialog.open(harness.instance("srv").port("smtp"))) {
            int answered = 0;
            List<String> reply;
            while (true) {
                reply = d.send(command);
                if (!reply.get(0).startsWith("2")) {
                    break;
                }
                answered++;
                assertThat(answered).as("no cut-off after %d x %s", answered, command).isLessThan(1000);
            }
            assertThat(answered).as(command).isEqualTo(121);
            assertThat(reply).containsExactly("421 4.7.0 mail.example.com Error: too many errors");
            assertThat(d.reply()).containsExactly("[closed]");
        }
    }
}
