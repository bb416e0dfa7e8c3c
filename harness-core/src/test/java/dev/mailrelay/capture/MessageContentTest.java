package dev.mailrelay.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Message content on the heap up to the limit, beyond it in a private spool file; streamed, shared, released. */
class MessageContentTest {

    @TempDir
    Path tmp;

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static MessageContent write(ContentStore store, byte[] bytes) throws IOException {
        ContentStore.Writer w = store.writer();
        for (int i = 0; i < bytes.length; i += 1000) {
            w.write(bytes, i, Math.min(1000, bytes.length - i));
        }
        return w.finish();
    }

    private static byte[] read(MessageContent c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.writeTo(out);
        return out.toByteArray();
    }

    private static List<Path> files(Path dir) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void smallContentStaysOnTheHeapLargeGoesToAPrivateSpoolFile() throws Exception {
        try (ContentStore store = new ContentStore(tmp, "isp", 4096)) {
            MessageContent small = write(store, new byte[4096]);
            assertThat(small.spooled()).isFalse();
            assertThat(store.directory()).as("no spool directory before the first large message").isNull();

            byte[] big = new byte[100_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            MessageContent large = write(store, big);
            assertThat(large.spooled()).isTrue();
            assertThat(large.size()).isEqualTo(big.length);
            assertThat(read(large)).isEqualTo(big);
            assertThat(large.bytes()).isEqualTo(big);
            Path dir = store.directory();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            List<Path> spooled = files(dir);
            assertThat(spooled).hasSize(1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spooled.get(0))))
                    .isEqualTo("rw-------");

            // Two holders (say the capture and the queue): the file goes with the last one.
            large.retain();
            large.release();
            assertThat(files(dir)).hasSize(1);
            large.release();
            assertThat(files(dir)).isEmpty();
        }
    }

    @Test
    void slicesAndPrefixesShareTheSpoolFile() throws Exception {
        try (ContentStore store = new ContentStore(tmp, "isp", 16)) {
            MessageContent body = write(store, text("Subject: x\r\n\r\nline one\r\nline two\r\n"));
            MessageContent withReceived = body.prepend(text("Received: from a\r\n"));
            assertThat(new String(read(withReceived), StandardCharsets.US_ASCII))
                    .isEqualTo("Received: from a\r\nSubject: x\r\n\r\nline one\r\nline two\r\n");
            MessageContent middle = withReceived.slice(18 + 14, 18 + 14 + 10);
            assertThat(new String(read(middle), StandardCharsets.US_ASCII)).isEqualTo("line one\r\n");
            assertThat(new String(withReceived.head(8), StandardCharsets.US_ASCII)).isEqualTo("Received");

            withReceived.retain();
            body.release();
            assertThat(files(store.directory())).as("still held through the prefixed content").hasSize(1);
            withReceived.release();
            assertThat(files(store.directory())).isEmpty();
        }
    }

    @Test
    void aDiscardedWriterLeavesNoFileAndClosingTheStoreDeletesItsDirectory() throws Exception {
        ContentStore store = new ContentStore(tmp, "isp", 10);
        try (ContentStore.Writer w = store.writer()) {
            w.write(new byte[100], 0, 100);
            assertThat(files(store.directory())).hasSize(1);
        }
        assertThat(files(store.directory())).as("closing an unfinished writer discards it").isEmpty();
        MessageContent kept = write(store, new byte[100]);
        Path dir = store.directory();
        assertThat(files(dir)).hasSize(1);
        store.close();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(kept::bytes).hasMessageContaining("cannot read message content");
    }

    @Test
    void mimePartsAreReadFromTheSpoolFile() throws Exception {
        String mime = """
                Subject: parts\r
                MIME-Version: 1.0\r
                Content-Type: multipart/mixed; boundary="b"\r
                \r
                --b\r
                Content-Type: text/plain\r
                \r
                first\r
                --b\r
                Content-Type: text/plain\r
                \r
                second\r
                --b--\r
                """;
        try (ContentStore store = new ContentStore(tmp, "isp", 32)) {
            MessageContent c = write(store, text(mime)).prepend(text("Received: from a\r\n"));
            CapturedMessage m = new CapturedMessage("4AbCdE", "isp", "a@example.com", List.of("b@example.com"),
                    "localhost", "127.0.0.1", "client", "ESMTP", null, null, null, null, "", Instant.EPOCH, c);
            assertThat(m.subject()).isEqualTo("parts");
            MimeMultipart parts = (MimeMultipart) m.mimeMessage().getContent();
            assertThat(parts.getCount()).isEqualTo(2);
            assertThat(parts.getBodyPart(1).getContent()).isEqualTo("second");
            assertThat(m.size()).isEqualTo(18 + mime.length());
            try (InputStream in = c.openStream()) {
                in.mark(0);
                assertThat(in.read()).isEqualTo('R');
                in.reset();
                assertThat(in.readAllBytes()).hasSize((int) c.size());
            }
        }
    }
}
