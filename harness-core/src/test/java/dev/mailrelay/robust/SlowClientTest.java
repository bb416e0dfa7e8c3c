package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that hold a session with I/O too slow or never finished: smtpd_timeout bounds writes as it
 * bounds reads, and smtpd_per_request_deadline with smtpd_min_data_rate bounds a whole request, as
 * in Postfix 3.7. Slow clients are paced by a scheduler (their behaviour, not a wait); every wait for
 * the server is on an event (a reply, a closed connection, an ended session) with a bound.
 */
@Timeout(120)
class SlowClientTest {

    static final String HOST = "mx.slow.example";
    static Harness harness;
    final ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();

    @BeforeAll
    static void start() {
        harness = Harness.start(List.of(InstanceConfig.named("mx").mainCf("""
                myhostname = mx.slow.example
                mydestination = $myhostname
                smtpd_error_sleep_time = 0
                default_transport = discard
                local_transport = discard
                """).masterCf("""
                deadline inet n - n - - smtpd
                  -o smtpd_timeout=3s
                  -o smtpd_per_request_deadline=yes
                nodeadline inet n - n - - smtpd
                  -o smtpd_timeout=3s
                """),
                // Its own instance, so that its capture holds the one session under test.
                InstanceConfig.named("nonreading").mainCf("""
                        smtpd_timeout = 2s
                        smtpd_junk_command_limit = 1000000000
                        """)), true);
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @AfterEach
    void stopPacing() {
        pace.shutdownNow();
    }

    @Test
    void aClientThatPipelinesAndNeverReadsIsReleasedWithinSmtpdTimeout() throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(1024);   // before connect: the window the server can fill
            s.connect(new InetSocketAddress("127.0.0.1", harness.instance("nonreading").port("smtp")), 10_000);
            Capture capture = harness.instance("nonreading").capture();
            // NOOPs until the server hangs up: its replies fill the client's window and the server's
            // send buffer, its write blocks, and only the write timeout can end the session.
            CompletableFuture<IOException> writer = CompletableFuture.supplyAsync(() -> {
                byte[] batch = "NOOP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
                try {
                    OutputStream out = s.getOutputStream();
                    while (true) {
                        out.write(batch);
                    }
                } catch (IOException e) {
                    return e;
                }
            });
            CapturedSession ended = capture.awaitEndedSessions(1, Duration.ofSeconds(60)).get(0);
            assertThat(ended.clientPort()).isEqualTo(s.getLocalPort());
            // The server closed the connection: the client's pending write fails.
            assertThat(writer.get(60, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void withTheDeadlineACommandDrippedOneByteASecondIsCutOff() throws Exception {
        try (RawClient c = new RawClient(harness.instance("mx").port("deadline"), null, 30_000)) {
            drip(c, "NOOP\r\n", 1000);
            // 3 s for the whole request, and a command earns no time per byte. (Read while the
            // client still drips: its next write after the close would reset the connection.)
            assertThat(c.reply()).containsExactly("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.readLine()).isNull();
        }
    }

    @Test
    void withoutTheDeadlineEachByteRestartsTheTimeout() throws Exception {
        try (RawClient c = new RawClient(harness.instance("mx").port("nodeadline"), null, 30_000)) {
            drip(c, "NOOP\r\n", 1000);
            // Six seconds for six bytes, no read waiting longer than 3 s: the command is answered.
            assertThat(c.reply()).containsExactly("250 2.0.0 Ok");
            assertThat(c.sendLast("QUIT")).startsWith("221");
        }
    }

    @Test
    void withTheDeadlineMessageContentDrippedOneByteASecondIsCutOff() throws Exception {
        try (RawClient c = new RawClient(harness.instance("mx").port("deadline"), null, 30_000)) {
            startData(c);
            // 1 byte a second earns 1/500 s a byte (smtpd_min_data_rate 500): far too slow.
            drip(c, "Subject: slow\r\n\r\nbody\r\n.\r\n", 1000);
            assertThat(c.reply()).containsExactly("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.readLine()).isNull();
        }
    }

    @Test
    void withTheDeadlineContentFasterThanTheMinimumRateKeepsTheSessionGoing() throws Exception {
        try (RawClient c = new RawClient(harness.instance("mx").port("deadline"), null, 30_000)) {
            startData(c);
            // 1,000 bytes every 250 ms for 5 s: each chunk earns 2 s (1,000 / 500), more than it
            // took; without smtpd_min_data_rate the 3 s budget would run out mid-content.
            String line = "x".repeat(98) + "\r\n";
            drip(c, "Subject: steady\r\n\r\n" + "+".repeat(20), 250, line.repeat(10), 20)
                    .get(60, TimeUnit.SECONDS);
            c.write(".\r\n");
            assertThat(c.last()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(c.sendLast("QUIT")).startsWith("221");
        }
    }

    private static void startData(RawClient c) throws IOException {
        assertThat(c.sendLast("EHLO slow.example")).startsWith("250 ");
        assertThat(c.sendLast("MAIL FROM:<a@slow.example>")).startsWith("250 ");
        assertThat(c.sendLast("RCPT TO:<postmaster@" + HOST + ">")).startsWith("250 ");
        assertThat(c.sendLast("DATA")).startsWith("354 ");
    }

    /** Sends {@code text} one byte every {@code periodMillis}, from the pacing thread. */
    private CompletableFuture<Void> drip(RawClient c, String text, long periodMillis) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        String[] chunks = new String[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chunks[i] = String.valueOf((char) bytes[i]);
        }
        return paced(c, periodMillis, chunks);
    }

    /** Sends {@code first}, then {@code chunk} {@code times} times, one every {@code periodMillis}. */
    private CompletableFuture<Void> drip(RawClient c, String first, long periodMillis, String chunk, int times) {
        String[] chunks = new String[times + 1];
        chunks[0] = first;
        for (int i = 1; i <= times; i++) {
            chunks[i] = chunk;
        }
        return paced(c, periodMillis, chunks);
    }

    /**
     * Writes the chunks at a fixed rate from the pacing thread (stopped after each test); the future
     * completes when all were written or a write failed (the server closed the connection).
     */
    private CompletableFuture<Void> paced(RawClient c, long periodMillis, String[] chunks) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] next = {0};
        ScheduledFuture<?> task = pace.scheduleAtFixedRate(() -> {
            try {
                if (next[0] < chunks.length) {
                    c.write(chunks[next[0]++]);
                }
                if (next[0] == chunks.length) {
                    done.complete(null);
                }
            } catch (IOException e) {
                done.complete(null);
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
        done.whenComplete((v, e) -> task.cancel(false));
        return done;
    }
}
