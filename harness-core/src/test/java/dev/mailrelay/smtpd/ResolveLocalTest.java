package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every daemon asks Postfix's two "is this domain mine" questions the same way: resolve_local()
 * ({@code mydestination} or an address literal of {@code inet_interfaces}/{@code proxy_interfaces})
 * and mail_addr_find()'s test before a bare user lookup ({@code $myorigin} or resolve_local()).
 */
@Timeout(60)
class ResolveLocalTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static Harness harness;
    static Instance box;

    @BeforeAll
    static void start() {
        // myorigin is not in mydestination, as on a null client or a host sending as its domain.
        harness = Harness.start(List.of(InstanceConfig.named("box").mainCf("""
                myhostname = mail.box.local
                myorigin = box.local
                mydestination = $myhostname
                inet_interfaces = 127.0.0.1
                mynetworks = 127.0.0.0/8
                local_recipient_maps =
                smtpd_sender_login_maps = inline:{ alice=alice }
                smtpd_sender_restrictions = reject_sender_login_mismatch
                virtual_alias_maps = inline:{ ann=carol@mail.box.local }
                smtpd_error_sleep_time = 0
                """).masterCf("smtp inet n - n - - smtpd")), true);
        box = harness.instance("box");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void senderLoginMapsFindTheBareUserOfMyorigin() throws Exception {
        try (SmtpDialog d = SmtpDialog.open(box.port("smtp"))) {
            d.send("EHLO client.example");
            // smtpd_delay_reject = yes: the sender restrictions run at RCPT.
            assertThat(d.send("MAIL FROM:<alice@box.local>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<carol@mail.box.local>"))
                    .containsExactly("553 5.7.1 <alice@box.local>: Sender address rejected: not logged in");
            d.send("RSET");
            // Another domain is not mine: no bare user lookup, no owner, unauthenticated passes.
            assertThat(d.send("MAIL FROM:<alice@elsewhere.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<carol@mail.box.local>")).containsExactly("250 2.1.5 Ok");
        }
    }

    @Test
    void anAddressLiteralOfInetInterfacesIsLocalInCleanupAndTheQueueManager() throws Exception {
        try (SmtpDialog d = SmtpDialog.open(box.port("smtp"))) {
            d.send("EHLO client.example");
            assertThat(d.send("MAIL FROM:<bob@elsewhere.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<ann@[127.0.0.1]>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("RCPT TO:<dave@[127.0.0.1]>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("DATA")).first().asString().startsWith("354");
            d.write("Subject: literal\r\n\r\nhello\r\n");
            assertThat(d.send(".")).first().asString().startsWith("250 2.0.0 Ok: queued as");
        }
        CapturedMessage m = box.capture().awaitMessage(x -> "literal".equals(x.subject()), WAIT);
        // cleanup: virtual_alias_maps' bare "ann" applies to ann@[127.0.0.1] (mail_addr_find()).
        assertThat(m.recipients()).containsExactly("carol@mail.box.local", "dave@[127.0.0.1]");
        // trivial-rewrite: the literal resolves to the local transport, it is not relayed to 127.0.0.1.
        DeliveryAttempt dave = box.capture().awaitDelivery(a -> a.recipients().contains("dave@[127.0.0.1]"), WAIT);
        assertThat(dave.transport()).isEqualTo("local");
    }
}
