package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.robust.FakeUpstream.Stage;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Faults of the relay's upstream, one per case, on the first connection only: the relay must defer
 * (and deliver on the retry that {@code Instance.flush()} starts) or bounce with a DSN to the sender,
 * as Postfix does; the message is never lost and reaches the upstream at most once, except where SMTP
 * itself allows a duplicate (the connection lost after the final dot, before the reply).
 */
@Timeout(60)
class UpstreamFaultTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(Stage.GREETING, "421 4.3.2 fake.upstream Service not available", Status.DEFERRED),
                Arguments.of(Stage.GREETING, FakeUpstream.DROP, Status.DEFERRED),
                Arguments.of(Stage.GREETING, FakeUpstream.SILENCE, Status.DEFERRED),
                Arguments.of(Stage.EHLO, FakeUpstream.DROP, Status.DEFERRED),
                Arguments.of(Stage.AUTH, "454 4.7.0 Temporary authentication failure", Status.DEFERRED),
                // smtp_sasl_auth_soft_bounce = yes (the default): a 5xx at AUTH defers too.
                Arguments.of(Stage.AUTH, "535 5.7.8 Error: authentication failed", Status.DEFERRED),
                Arguments.of(Stage.MAIL, "451 4.3.0 Try again", Status.DEFERRED),
                Arguments.of(Stage.MAIL, "550 5.7.1 Sender rejected", Status.BOUNCED),
                Arguments.of(Stage.RCPT, "450 4.2.0 Mailbox busy", Status.DEFERRED),
                Arguments.of(Stage.RCPT, "550 5.1.1 No such user", Status.BOUNCED),
                Arguments.of(Stage.DATA, "451 4.3.0 Try again", Status.DEFERRED),
                Arguments.of(Stage.DATA, "554 5.5.1 No valid recipients", Status.BOUNCED),
                Arguments.of(Stage.CONTENT, FakeUpstream.DROP, Status.DEFERRED),
                Arguments.of(Stage.DOT, "451 4.3.0 Queue file write error", Status.DEFERRED),
                Arguments.of(Stage.DOT, "554 5.7.1 Content rejected", Status.BOUNCED),
                Arguments.of(Stage.DOT, FakeUpstream.DROP, Status.DEFERRED),
                Arguments.of(Stage.DOT, FakeUpstream.SILENCE, Status.DEFERRED));
    }

    static InstanceConfig relay(int upstreamPort, String extra) {
        return InstanceConfig.named("relay").mainCf("""
                myhostname = relay.box.local
                relayhost = [127.0.0.1]:%d
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = inline:{ [127.0.0.1]:%d=alice:Fault-Pw }
                smtp_sasl_security_options = noanonymous
                smtp_connect_timeout = 2s
                smtp_helo_timeout = 2s
                smtp_mail_timeout = 2s
                smtp_rcpt_timeout = 2s
                smtp_data_init_timeout = 2s
                smtp_data_done_timeout = 2s
                smtp_rset_timeout = 2s
                smtp_quit_timeout = 2s
                minimal_backoff_time = 1h
                maximal_backoff_time = 2h
                %s
                """.formatted(upstreamPort, upstreamPort, extra)).masterCf("smtp inet n - n - - smtpd");
    }

    static void submit(Instance relay, String subject) throws IOException {
        try (RawClient c = new RawClient(relay.port("smtp"))) {
            c.send("EHLO app");
            assertThat(c.sendLast("MAIL FROM:<me@relay.box.local>")).startsWith("250");
            assertThat(c.sendLast("RCPT TO:<friend@elsewhere.example>")).startsWith("250");
            c.send("DATA");
            assertThat(c.sendLast("Subject: " + subject + "\r\n\r\nline 1\r\nline 2\r\nline 3\r\nline 4\r\n."))
                    .startsWith("250 2.0.0 Ok: queued as");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("faults")
    void faultOnFirstConnection(Stage stage, String fault, Status expected) throws Exception {
        try (FakeUpstream up = new FakeUpstream(0, stage, fault, false);
             Harness h = Harness.start(List.of(relay(up.port(), "")), true)) {
            Instance relay = h.instance("relay");
            String subject = "fault " + stage + " " + fault;
            submit(relay, subject);
            DeliveryAttempt first = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(first.status()).as(first.toString()).isEqualTo(expected);
            if (expected == Status.BOUNCED) {
                CapturedMessage dsn = relay.capture().awaitMessage(m -> m.sender().isEmpty(), WAIT);
                assertThat(dsn.recipients()).containsExactly("me@relay.box.local");
                assertThat(dsn.contentAsString()).contains("friend@elsewhere.example");
                assertThat(up.accepted).isEmpty();
                return;
            }
            assertThat(relay.awaitIdle(WAIT)).isTrue();
            relay.flush();
            DeliveryAttempt retry = relay.capture().awaitDelivery(d -> d.status() == Status.SENT, WAIT);
            assertThat(retry.queueId()).isEqualTo(first.queueId());
            relay.awaitIdle(WAIT);
            boolean lostReply = stage == Stage.DOT && (fault.equals(FakeUpstream.DROP)
                    || fault.equals(FakeUpstream.SILENCE));
            // Lost after the final dot: the upstream has the message, the relay cannot know (RFC 1047).
            assertThat(up.accepted).containsExactly(lostReply && fault.equals(FakeUpstream.DROP)
                    ? new String[] {subject, subject} : new String[] {subject});
        }
    }

    @Test
    void refusedConnectionThenUpstreamComesUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (Harness h = Harness.start(List.of(relay(port, "")), true)) {
            Instance relay = h.instance("relay");
            submit(relay, "refused");
            DeliveryAttempt first = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(first.status()).isEqualTo(Status.DEFERRED);
            assertThat(first.reply()).contains("Connection refused");
            relay.awaitIdle(WAIT);
            try (FakeUpstream up = new FakeUpstream(port, Stage.NONE, "", false)) {
                relay.flush();
                relay.capture().awaitDelivery(d -> d.status() == Status.SENT, WAIT);
                relay.awaitIdle(WAIT);
                assertThat(up.accepted).containsExactly("refused");
            }
        }
    }

    @Test
    void a5xxGreetingDefersUnlessSmtpSkip5xxGreetingIsNo() throws Exception {
        String greeting = "554 5.7.1 fake.upstream No SMTP service here";
        try (FakeUpstream up = new FakeUpstream(0, Stage.GREETING, greeting, false);
             Harness h = Harness.start(List.of(relay(up.port(), "")), true)) {
            Instance relay = h.instance("relay");
            submit(relay, "5xx greeting, skipped");
            DeliveryAttempt first = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(first.status()).as(first.toString()).isEqualTo(Status.DEFERRED);
            assertThat(first.dsn()).isEqualTo("4.7.1");
        }
        try (FakeUpstream up = new FakeUpstream(0, Stage.GREETING, greeting, false);
             Harness h = Harness.start(List.of(relay(up.port(), "smtp_skip_5xx_greeting = no")), true)) {
            Instance relay = h.instance("relay");
            submit(relay, "5xx greeting, kept");
            DeliveryAttempt first = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(first.status()).as(first.toString()).isEqualTo(Status.BOUNCED);
            assertThat(first.dsn()).isEqualTo("5.7.1");
            assertThat(relay.capture().awaitMessage(m -> m.sender().isEmpty(), WAIT).recipients())
                    .containsExactly("me@relay.box.local");
        }
    }

    @Test
    void tlsHandshakeFailureDefers() throws Exception {
        try (FakeUpstream up = new FakeUpstream(0, Stage.NONE, "", true);
             Harness h = Harness.start(List.of(relay(up.port(), "smtp_tls_security_level = encrypt")), true)) {
            Instance relay = h.instance("relay");
            submit(relay, "tls");
            DeliveryAttempt first = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(first.status()).as(first.toString()).isEqualTo(Status.DEFERRED);
            relay.awaitIdle(WAIT);
            relay.flush();
            relay.capture().awaitDeliveries(2, WAIT);
            relay.awaitIdle(WAIT);
            // Still queued (deferred), never sent in plaintext against smtp_tls_security_level = encrypt.
            assertThat(relay.capture().deliveries()).allMatch(d -> d.status() == Status.DEFERRED);
            assertThat(up.accepted).isEmpty();
        }
    }

    @Test
    void aRejectedRecipientStaysBouncedWhenTheConnectionIsLostAtRset() throws Exception {
        try (FakeUpstream up = new FakeUpstream(0, Stage.RCPT, "550 5.1.1 <x>: Recipient address rejected", false);
             Harness h = Harness.start(List.of(relay(up.port(), "")), true)) {
            up.dropOnRset = true;
            Instance relay = h.instance("relay");
            submit(relay, "rejected");
            DeliveryAttempt d = relay.capture().awaitDeliveries(1, WAIT).get(0);
            // The server's 550 is the verdict; losing the connection at the RSET after it changes nothing.
            assertThat(d.status()).as(d.reply()).isEqualTo(Status.BOUNCED);
            assertThat(d.reply()).contains("said: 550 5.1.1");
        }
    }
}
