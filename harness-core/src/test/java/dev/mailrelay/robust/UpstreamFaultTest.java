package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.robust.FakeUpstream.Stage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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

    /**
     * An upstream that answers DATA with 354 and then reads nothing more: the relay's content writes
     * block once the socket buffers are full; smtp_data_xfer_timeout ends the delivery, deferred with
     * smtp_trouble.c's text, instead of blocking the delivery thread for ever.
     */
    @Test
    void anUpstreamThatStopsReadingTheBodyTimesOutWithSmtpDataXferTimeout() throws Exception {
        try (StallingUpstream up = new StallingUpstream();
             Harness h = Harness.start(List.of(InstanceConfig.named("relay").mainCf("""
                     myhostname = relay.box.local
                     relayhost = [127.0.0.1]:%d
                     message_size_limit = 0
                     smtp_data_xfer_timeout = 2s
                     minimal_backoff_time = 1h
                     maximal_backoff_time = 2h
                     """.formatted(up.port())).masterCf("smtp inet n - n - - smtpd")), true)) {
            try {
                Instance relay = h.instance("relay");
                try (RawClient c = new RawClient(relay.port("smtp"))) {
                    c.send("EHLO app");
                    assertThat(c.sendLast("MAIL FROM:<me@relay.box.local>")).startsWith("250");
                    assertThat(c.sendLast("RCPT TO:<friend@elsewhere.example>")).startsWith("250");
                    assertThat(c.sendLast("DATA")).startsWith("354");
                    // More than the relay's send buffer and the upstream's receive buffer can hold.
                    String line = "x".repeat(98) + "\r\n";
                    c.write("Subject: big\r\n\r\n" + line.repeat(100_000) + ".\r\n");
                    assertThat(c.last()).startsWith("250 2.0.0 Ok: queued as");
                }
                DeliveryAttempt d = relay.capture().awaitDeliveries(1, WAIT).get(0);
                assertThat(d.status()).as(d.reply()).isEqualTo(Status.DEFERRED);
                assertThat(d.dsn()).isEqualTo("4.4.2");
                assertThat(d.reply()).contains(
                        "conversation with 127.0.0.1[127.0.0.1] timed out while sending message body");
            } finally {
                up.close();     // first: without the timeout the delivery would block the harness's close
            }
        }
    }

    /** A plain server socket that says 354 to DATA and then never reads; small receive buffer. */
    static final class StallingUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        StallingUpstream() throws IOException {
            server.setReceiveBufferSize(4096);      // inherited by the accepted connection
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(this::serve, "stalling-upstream");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    OutputStream out = s.getOutputStream();
                    out.write("220 stall.example ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    String l;
                    while ((l = in.readLine()) != null) {
                        String reply = l.regionMatches(true, 0, "EHLO", 0, 4) ? "250 stall.example"
                                : l.equalsIgnoreCase("DATA") ? "354 End data with <CR><LF>.<CR><LF>"
                                : l.equalsIgnoreCase("QUIT") ? "221 2.0.0 Bye" : "250 2.0.0 Ok";
                        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        if (reply.startsWith("354")) {
                            break;      // and never read again: the connection stays open
                        }
                    }
                }
            } catch (IOException e) {
                // closed by the test
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
