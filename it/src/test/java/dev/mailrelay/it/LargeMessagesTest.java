package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory bounded by design: with {@code message_size_limit = 0}, five concurrent large messages
 * against the standalone jar in a JVM whose heap is far smaller than their sum are all answered
 * 250 and captured with the content each client sent (digest and size), none lost, none half
 * recorded -- content beyond {@code mailrelay_content_memory_limit} streams to a spool file.
 * Normal build: 5 x 30 MB with {@code -Xmx64m}; {@code -Plong}: 5 x 300 MB with {@code -Xmx256m}.
 */
@Timeout(1800)
class LargeMessagesTest {

    private static final boolean LONG = Boolean.getBoolean("mailrelay.long");

    @TempDir
    Path dir;

    @Test
    void fiveConcurrentLargeMessagesInASmallHeap() throws Exception {
        Path jar = Path.of(System.getProperty("mailrelay.standaloneJar",
                "../harness-core/target/mailrelay-standalone.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            fail("the standalone jar " + jar + " is missing: build through the reactor (mvn verify)");
        }
        LargeMessages.Outcome o = LargeMessages.run(jar, dir, LONG ? "-Xmx256m" : "-Xmx64m", 5,
                (LONG ? 300L : 30L) << 20);
        System.out.println("LargeMessagesTest: " + o.describe());   // the figure the README quotes
        assertThat(o.replies()).as(o.describe()).allMatch(r -> r.startsWith("250 2.0.0 Ok: queued as "));
        assertThat(o.captured()).as(o.describe()).isEqualTo(o.sent());
        assertThat(o.allOrNothing()).isTrue();
        try (Stream<Path> left = Files.walk(dir.resolve("mx"))) {
            assertThat(left.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .as("the stopped instance deleted its spool files").containsExactlyInAnyOrder("main.cf", "master.cf");
        }
    }
}
