package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client that keeps one connection for many messages, sending RSET before each as Postfix's smtp
 * client does on a cached connection, is not cut off: smtpd.c forgives errors and junk commands
 * (error_count, junk_cmds) whenever a message was received successfully.
 */
class SmtpdConnectionReuseTest {

    @Test
    void rsetBeforeEveryMessageNeverReachesTheJunkCommandLimit() throws Exception {
        try (Harness h = Harness.start(List.of(InstanceConfig.named("srv").mainCf("""
                mydestination = localhost
                smtpd_junk_command_limit = 3
                smtpd_hard_error_limit = 2
                """)), true);
             SmtpDialog d = SmtpDialog.open(h.instance("srv").port("smtp"))) {
            assertThat(d.greeting.get(0)).startsWith("220 ");
            assertThat(d.send("EHLO client.example").get(0)).startsWith("250");
            int messages = 12;
            for (int i = 0; i < messages; i++) {
                assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
                assertThat(d.send("MAIL FROM:<a@client.example>").get(0)).startsWith("250");
                assertThat(d.send("RCPT TO:<bob@localhost>").get(0)).startsWith("250");
                assertThat(d.send("DATA").get(0)).startsWith("354");
                d.write("Subject: " + i + "\r\n\r\nbody\r\n.\r\n");
                assertThat(d.reply().get(0)).startsWith("250 2.0.0 Ok: queued as ");
            }
            assertThat(h.instance("srv").capture().awaitMessages(messages, Duration.ofSeconds(10))).hasSize(messages);
            // Without a message in between, junk commands still count toward the limit, as in Postfix.
            List<String> last = List.of();
            for (int i = 0; i < 10 && !last.contains("[closed]") && !last.toString().contains("421"); i++) {
                last = d.send("NOOP");
            }
            assertThat(last.toString()).contains("421 4.7.0");
        }
    }
}
