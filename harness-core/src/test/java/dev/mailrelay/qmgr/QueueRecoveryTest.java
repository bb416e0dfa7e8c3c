package dev.mailrelay.qmgr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mailrelay_queue_directory: queue files are 0600 in a 0700 directory; at start a truncated or
 * foreign file is moved to {@code corrupt/} (as Postfix's qmgr does) and the valid messages are
 * recovered and delivered, instead of the instance refusing to start.
 */
@Timeout(120)
class QueueRecoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private InstanceConfig relay() {
        return InstanceConfig.named("relay").directory(dir).mainCf("""
                myhostname = relay.box.local
                relayhost = [mail.isp.example]
                mailrelay_queue_directory = queue
                """).masterCf("smtp inet n - n - - smtpd");
    }

    private static void send(int port, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(port));
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress("me@box.local"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("friend@elsewhere.example"));
        m.setSubject(subject);
        m.setText("hello " + subject + "\n");
        Transport.send(m);
    }

    private static List<Path> files(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void truncatedAndForeignFilesGoToCorruptTheOthersAreDelivered() throws Exception {
        Path queue = dir.resolve("queue");
        // The upstream is not there yet: three messages wait in the durable queue.
        try (Harness h = Harness.start(List.of(relay()), true)) {
            int port = h.instance("relay").port("smtp");
            for (String s : List.of("first", "second", "third")) {
                send(port, s);
            }
            h.instance("relay").capture().awaitDeliveries(3, WAIT);
        }
        assertThat(mode(queue)).isEqualTo("rwx------");
        List<Path> queued = files(queue);
        assertThat(queued).hasSize(3);
        for (Path p : queued) {
            assertThat(mode(p)).as("queue file %s", p).isEqualTo("rw-------");
        }
        byte[] whole = Files.readAllBytes(queued.get(1));
        Files.write(queued.get(1), java.util.Arrays.copyOf(whole, whole.length / 2));
        Files.writeString(queue.resolve("README"), "not a queue file\n");

        // The relay is listed first: its recovered mail waits until the ISP has started too.
        try (Harness h = Harness.start(List.of(relay(), InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mynetworks = 127.0.0.0/8
                default_transport = discard
                """).masterCf("smtp inet n - n - - smtpd")), true)) {
            List<CapturedMessage> got = h.instance("isp").capture().awaitMessages(2, WAIT);
            assertThat(h.instance("relay").awaitIdle(WAIT)).isTrue();
            assertThat(got).hasSize(2);
            assertThat(h.instance("isp").capture().messages()).hasSize(2);
        }
        Path corrupt = queue.resolve("corrupt");
        assertThat(files(corrupt)).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("README", queued.get(1).getFileName().toString());
        assertThat(mode(corrupt)).isEqualTo("rwx------");
        assertThat(files(queue)).as("delivered mail leaves the queue").isEmpty();
    }
}
