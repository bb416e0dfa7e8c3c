package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak: memory stays bounded however long the harness runs. A client looping EHLO is cut off at
 * Postfix's count (with the default tarpit under -Plong, about 100 s); many short sessions (2,000,
 * a million with -Plong) leave the heap, after GC, within 64 MB of what it was idle, because ended
 * sessions beyond mailrelay_session_retention_limit are dropped and each transcript is capped.
 */
@Timeout(3600)
class SoakTest {

    static final int SESSIONS = Sizes.pick(2_000, 1_000_000);
    static final long HEAP_ALLOWANCE = 64L << 20;

    @Test
    void aClientLoopingEhloIsCutOffAtPostfixsLimit() throws IOException {
        // smtpd_error_sleep_time: Postfix's 1 s tarpit per reply line after 10 errors under -Plong.
        try (Harness h = Harness.start(List.of(InstanceConfig.named("mx").mainCf(
                "smtpd_error_sleep_time = " + Sizes.pick(0, 1) + "s\n")), true);
             RawClient c = new RawClient(h.instance("mx").port("smtp"), null, 60_000)) {
            int answered = 0;
            String last;
            while ((last = c.sendLast("EHLO forever.example")).startsWith("250 ")) {
                answered++;
            }
            assertThat(answered).isEqualTo(121);
            assertThat(last).isEqualTo("421 4.7.0 mx.localdomain Error: too many errors");
            assertThat(c.readLine()).isNull();
        }
    }

    @Test
    void shortSessionsLeaveTheHeapWithin64MbOfIdle() throws Exception {
        try (Harness h = Harness.start(List.of(InstanceConfig.named("mx").mainCf("""
                smtpd_client_connection_count_limit = 0
                """)), true)) {
            int port = h.instance("mx").port("smtp");
            Capture capture = h.instance("mx").capture();
            runSessions(port, 200);     // warm up: classes loaded, pools and buffers at their size
            capture.awaitEndedSessions(200, Duration.ofSeconds(60));
            long idle = heapAfterGc();
            runSessions(port, SESSIONS);
            capture.awaitEndedSessions(200 + SESSIONS, Duration.ofMinutes(5));
            long after = heapAfterGc();
            System.out.printf("soak: %,d short sessions, heap after GC %,d KB (idle %,d KB, +%,d KB)%n", SESSIONS,
                    after >> 10, idle >> 10, (after - idle) >> 10);
            assertThat(after - idle).as("heap growth after %d sessions", SESSIONS).isLessThan(HEAP_ALLOWANCE);
            assertThat(capture.sessions()).hasSize(Capture.DEFAULT_SESSION_RETENTION_LIMIT);
            assertThat(capture.droppedSessions()).isEqualTo(200 + SESSIONS - Capture.DEFAULT_SESSION_RETENTION_LIMIT);
            assertThat(capture.describe()).contains(" older ended session(s) dropped: "
                    + "mailrelay_session_retention_limit = " + Capture.DEFAULT_SESSION_RETENTION_LIMIT);
        }
    }

    /** {@code count} sessions of EHLO and QUIT from 8 clients at a time; the server closes first. */
    private static void runSessions(int port, int count) throws Exception {
        AtomicInteger left = new AtomicInteger(count);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                done.add(clients.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        try (RawClient c = new RawClient(port)) {
                            assertThat(c.sendLast("EHLO soak.example")).startsWith("250 ");
                            assertThat(c.sendLast("QUIT")).startsWith("221 ");
                            assertThat(c.readLine()).isNull();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(1, TimeUnit.HOURS);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
