package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One order for every accepted message -- written, captured, then 250 -- on a real full file system
 * (a small tmpfs, so these tests need root; they are skipped otherwise): a write error gets Postfix's
 * {@code 451 4.3.0 Error: queue file write error} and leaves no capture, queue file or temporary file,
 * too little space gets {@code 452 4.3.1 Insufficient system storage} at MAIL FROM, and the session
 * goes on either way.
 */
@Timeout(180)
class FullDiskTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            // A file still open on it would make umount fail (and fail the test): say so, then detach it.
            int rc = run("umount", m.toString());
            if (rc != 0) {
                run("umount", "-l", m.toString());
            }
            assertThat(rc).as("umount " + m + ": no file may stay open on the spool").isZero();
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    /** A tmpfs of {@code size} at {@code dir/name}; the test is skipped where it cannot be mounted. */
    private Path tmpfs(String name, String size) throws Exception {
        Path at = Files.createDirectory(dir.resolve(name));
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assumeTrue(uid.equals("0"), "a full file system is made by mounting a small tmpfs, which needs root "
                + "(uid " + uid + ")");
        int rc = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", at.toString());
        assumeTrue(rc == 0, "cannot mount a tmpfs at " + at + " (mount exited " + rc + "): no full disk to test on");
        mounts.add(at);
        return at;
    }

    private static Harness start(String mainCf) {
        return Harness.start(List.of(InstanceConfig.named("mx").mainCf("""
                myhostname = mx.disk.example
                mydestination = $myhostname
                default_transport = discard
                smtpd_error_sleep_time = 0
                """ + mainCf).masterCf("smtp inet n - n - - smtpd")), true);
    }

    /** A message of about {@code size} bytes of 76-character lines, its Subject naming it. */
    private static byte[] message(String subject, int size) {
        StringBuilder b = new StringBuilder(size + 100);
        b.append("Subject: ").append(subject).append("\r\n\r\n");
        int line = 0;
        while (b.length() < size) {
            b.append(String.format("%075d", line++)).append("x\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void transaction(RawClient c) throws IOException {
        assertThat(c.sendLast("MAIL FROM:<a@client.example>")).startsWith("250");
        assertThat(c.sendLast("RCPT TO:<b@mx.disk.example>")).startsWith("250");
    }

    /** DATA with the content; returns the reply to the final dot. */
    private static String data(RawClient c, byte[] content) throws IOException {
        transaction(c);
        assertThat(c.sendLast("DATA")).startsWith("354");
        c.write(content);
        c.write(".\r\n");
        return c.last();
    }

    /** BDAT with the content in one chunk; returns the reply. */
    private static String bdat(RawClient c, byte[] content) throws IOException {
        transaction(c);
        c.write("BDAT " + content.length + " LAST\r\n");
        c.write(content);
        return c.last();
    }

    private static List<Path> filesUnder(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void aFullContentSpoolGets451AndTheSessionGoesOn() throws Exception {
        Path spool = tmpfs("spool", "4m");
        try (Harness h = start("""
                message_size_limit = 0
                mailrelay_content_memory_limit = 65536
                mailrelay_content_directory = %s
                """.formatted(spool))) {
            Instance mx = h.instance("mx");
            try (RawClient c = new RawClient(mx.port("smtp"))) {
                c.send("EHLO client.example");
                assertThat(data(c, message("fits", 1_500_000))).startsWith("250 2.0.0 Ok: queued as ");
                assertThat(data(c, message("too big for the disk", 3_000_000)))
                        .isEqualTo("451 4.3.0 Error: queue file write error");
                assertThat(bdat(c, message("too big by BDAT", 3_000_000)))
                        .isEqualTo("451 4.3.0 Error: queue file write error");
                assertThat(data(c, message("small", 2_000))).startsWith("250 2.0.0 Ok: queued as ");
                assertThat(c.sendLast("QUIT")).startsWith("221");
            }
            assertThat(mx.awaitIdle(WAIT)).isTrue();
            List<CapturedMessage> got = mx.capture().messages();
            assertThat(got).extracting(CapturedMessage::subject).containsExactly("fits", "small");
            assertThat(got.get(0).contentAsString()).endsWith(new String(message("fits", 1_500_000),
                    StandardCharsets.US_ASCII));
            assertThat(filesUnder(spool)).as("only the spool file of the captured large message is left")
                    .hasSize(1);
        }
        assertThat(filesUnder(spool)).as("the instance's spool goes when it stops").isEmpty();
    }

    @Test
    void aFullDurableQueueGets451AndLeavesNothingBehind() throws Exception {
        Path queue = tmpfs("queue", "1m");
        try (Harness h = start("""
                message_size_limit = 0
                mailrelay_queue_directory = %s
                """.formatted(queue.resolve("q")))) {
            Instance mx = h.instance("mx");
            try (RawClient c = new RawClient(mx.port("smtp"))) {
                c.send("EHLO client.example");
                assertThat(data(c, message("no room in the queue", 1_500_000)))
                        .isEqualTo("451 4.3.0 Error: queue file write error");
                assertThat(filesUnder(queue)).as("no queue file, no temporary file").isEmpty();
                assertThat(mx.capture().messages()).as("a refused message is not captured").isEmpty();
                assertThat(data(c, message("fits the queue", 2_000))).startsWith("250 2.0.0 Ok: queued as ");
                assertThat(c.sendLast("QUIT")).startsWith("221");
            }
            assertThat(mx.capture().messages()).extracting(CapturedMessage::subject).containsExactly("fits the queue");
            assertThat(mx.awaitIdle(WAIT)).isTrue();
        }
        assertThat(filesUnder(queue)).as("the delivered message left the queue").isEmpty();
    }

    @Test
    void tooLittleSpaceForTheSizeLimitGets452AtMailFrom() throws Exception {
        Path spool = tmpfs("small", "2m");
        // smtpd_check_queue(): 1.5 times message_size_limit must be free where content goes.
        try (Harness h = start("mailrelay_content_directory = " + spool + "\n")) {
            try (RawClient c = new RawClient(h.instance("mx").port("smtp"))) {
                c.send("EHLO client.example");
                assertThat(c.sendLast("MAIL FROM:<a@client.example>")).isEqualTo("452 4.3.1 Insufficient system storage");
                assertThat(c.sendLast("NOOP")).startsWith("250");
            }
        }
        try (Harness h = start("mailrelay_content_directory = " + spool + "\nmessage_size_limit = 1000000\n")) {
            try (RawClient c = new RawClient(h.instance("mx").port("smtp"))) {
                c.send("EHLO client.example");
                assertThat(c.sendLast("MAIL FROM:<a@client.example>")).startsWith("250 2.1.0");
            }
        }
    }

    @Test
    void aMessageTheCaptureCannotKeepIsRefusedAndItsQueueFileRemoved() throws Exception {
        Path queue = dir.resolve("queue");
        try (Harness h = start("mailrelay_queue_directory = " + queue + "\n")) {
            Instance mx = h.instance("mx");
            mx.capture().onMessage(m -> {
                if ("refuse me".equals(m.subject())) {
                    throw new IllegalStateException("cannot spool " + m.queueId());
                }
            });
            try (RawClient c = new RawClient(mx.port("smtp"))) {
                c.send("EHLO client.example");
                assertThat(data(c, message("refuse me", 100))).isEqualTo("451 4.3.0 Error: queue file write error");
                assertThat(filesUnder(queue)).isEmpty();
                assertThat(data(c, message("keep me", 100))).startsWith("250 2.0.0 Ok: queued as ");
            }
            assertThat(mx.capture().messages()).extracting(CapturedMessage::subject).containsExactly("keep me");
        }
    }

    @Test
    void storageParametersAreCheckedAtStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start("mailrelay_content_directory = "
                        + dir.resolve("no-such-directory") + "\n").close())
                .isInstanceOf(dev.mailrelay.config.ConfigException.class)
                .hasMessageContaining("mailrelay_content_directory");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start("mailrelay_content_memory_limit = -1\n").close())
                .isInstanceOf(dev.mailrelay.config.ConfigException.class)
                .hasMessageContaining("mailrelay_content_memory_limit");
    }
}
