package dev.mailrelay.smtp;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.dns.Endpoint;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionCacheTest {

    /**
     * A delivery that ends after its instance began to stop (the cache closed under it) hands its
     * connection back: it is closed with QUIT, not kept, and the delivery does not fail. Before,
     * the idle timer refused the connection and the delivery agent failed with a
     * RejectedExecutionException (the mail deferred, an ERROR logged): what a per-class harness
     * stopped right after its test saw its message arrive upstream ran into.
     */
    @Test
    void connectionReleasedAfterCloseIsQuitNotKept() throws Exception {
        try (Harness harness = Harness.start(List.of(InstanceConfig.named("isp")), true)) {
            int port = harness.instance("isp").port("smtp");
            Parameters params = Parameters.defaults("relay");
            SmtpClientSession session = SmtpClientSession.connect(
                    new Endpoint("mail.isp.example", InetAddress.getLoopbackAddress(), port, 25),
                    Duration.ofSeconds(10), SmtpClientSession.Timeouts.of(params));
            session.greeting();
            ConnectionCache cache = new ConnectionCache(Duration.ofSeconds(2));
            cache.close();

            assertDoesNotThrow(() -> cache.release("[mail.isp.example]:25", session));

            assertFalse(session.isOpen());
            CapturedSession ended = harness.instance("isp").capture().awaitEndedSessions(1, Duration.ofSeconds(10)).get(0);
            assertEquals("QUIT", ended.transcript().get(ended.transcript().size() - 1).command());
        }
    }
}
