package dev.mailrelay.capture;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The content of a queued message, immutable and kept once however many stages read it (cleanup,
 * the queue file, the capture, the SMTP client, the API): a sequence of parts, each a byte array on
 * the heap or a range of a spool file that {@link ContentStore} wrote when the message outgrew
 * {@code mailrelay_content_memory_limit}. Prepending the {@code Received:} header, rewriting the
 * header block or wrapping a message in a bounce makes a new sequence over the same parts, never a
 * copy of the body.
 *
 * <p>Readers stream it ({@link #openStream()}, {@link #writeTo(OutputStream)}); {@link #bytes()}
 * materialises the whole content on the heap and is meant for small messages and tests only.
 *
 * <p>A spool file lives while some holder has {@linkplain #retain() retained} it (the capture until
 * the message is forgotten, the queue until it is delivered) and is deleted at the last
 * {@link #release()}, or when the instance stops.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#message-content -->
 * <pre>{@code
 * MessageContent c = MessageContent.of("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
 * try (InputStream in = c.openStream()) {
 *     in.transferTo(out);
 * }
 * }</pre>
 */
public final class MessageContent {

    /** Where a part's bytes are: a heap array, or a spool file shared by every content that uses it. */
    abstract static sealed class Store permits Heap, SpoolFile {
    }

    static final class Heap extends Store {
        final byte[] bytes;

        Heap(byte[] bytes) {
            this.bytes = bytes;
        }
    }

    /** A spool file with the number of holders that still need it. */
    static final class SpoolFile extends Store {
        final Path path;
        private final AtomicInteger holders = new AtomicInteger(1);

        SpoolFile(Path path) {
            this.path = path;
        }

        void retain() {
            holders.incrementAndGet();
        }

        void release() {
            if (holders.decrementAndGet() == 0) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete spool file " + path, e);
                }
            }
        }
    }

    /** {@code length} bytes of {@code store} from {@code offset}. */
    record Part(Store store, long offset, long length) {
    }

    private static final MessageContent EMPTY = new MessageContent(List.of());

    private final List<Part> parts;
    private final long size;

    private MessageContent(List<Part> parts) {
        this.parts = List.copyOf(parts);
        long s = 0;
        for (Part p : this.parts) {
            s += p.length();
        }
        this.size = s;
    }

    /** Content held on the heap: a copy of {@code bytes}. */
    public static MessageContent of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new MessageContent(List.of(new Part(new Heap(bytes.clone()), 0,
                bytes.length)));
    }

    /** Content in a spool file the caller just wrote (one holder: the caller). */
    static MessageContent spooled(Path file, long length) {
        return new MessageContent(List.of(new Part(new SpoolFile(file), 0, length)));
    }

    /** Content on the heap that the caller hands over and no longer touches. */
    static MessageContent adopt(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new MessageContent(List.of(new Part(new Heap(bytes), 0, bytes.length)));
    }

    /** The contents one after the other, sharing their parts. */
    public static MessageContent concat(MessageContent... contents) {
        List<Part> all = new ArrayList<>();
        for (MessageContent c : contents) {
            all.addAll(c.parts);
        }
        return new MessageContent(all);
    }

    /** {@code head} followed by this content (the {@code Received:} header smtpd prepends). */
    public MessageContent prepend(byte[] head) {
        return concat(of(head), this);
    }

    /** The bytes from {@code from} (inclusive) to {@code to} (exclusive), sharing this content's parts. */
    public MessageContent slice(long from, long to) {
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException("slice " + from + ".." + to + " of " + size + " bytes");
        }
        List<Part> out = new ArrayList<>();
        long at = 0;
        for (Part p : parts) {
            long start = Math.max(from, at);
            long end = Math.min(to, at + p.length());
            if (start < end) {
                out.add(new Part(p.store(), p.offset() + start - at, end - start));
            }
            at += p.length();
        }
        return new MessageContent(out);
    }

    /** The size in bytes. */
    public long size() {
        return size;
    }

    /** Whether some of the content is in a spool file rather than on the heap. */
    public boolean spooled() {
        return parts.stream().anyMatch(p -> p.store() instanceof SpoolFile);
    }

    /**
     * A stream of the content. It also serves Jakarta Mail as a {@code SharedInputStream}, so a
     * {@code MimeMessage} parsed from it reads its parts from here instead of copying them.
     */
    public InputStream openStream() {
        return new ContentInputStream(this, 0, size, true);
    }

    /**
     * A stream for a reader that never closes it (a Jakarta Mail {@code MimeMessage}): spool files are
     * opened for each read, not held open.
     */
    InputStream openUnclosedStream() {
        return new ContentInputStream(this, 0, size, false);
    }

    /** Copies the content to {@code out}, a block at a time. */
    public void writeTo(OutputStream out) throws IOException {
        try (InputStream in = openStream()) {
            in.transferTo(out);
        }
    }

    /**
     * At most the first {@code max} bytes, e.g. to read the header block without reading the body.
     */
    public byte[] head(int max) {
        byte[] b = new byte[(int) Math.min(max, size)];
        try {
            int n = read(0, b, 0, b.length, null);
            if (n != b.length) {
                throw new IOException("short read: " + n + " of " + b.length + " bytes");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read message content", e);
        }
        return b;
    }

    /**
     * The whole content as one array. This materialises it on the heap: for small messages and tests;
     * the harness itself streams.
     *
     * @throws IllegalStateException when the content is larger than an array can be
     */
    public byte[] bytes() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("content of " + size + " bytes does not fit in a byte[]; stream it");
        }
        return head((int) size);
    }

    /** Takes a hold on the spool files this content uses; each hold is ended by {@link #release()}. */
    public MessageContent retain() {
        files().forEach(SpoolFile::retain);
        return this;
    }

    /** Ends a hold taken by {@link #retain()} (or the writer's); the last one deletes the spool files. */
    public void release() {
        files().forEach(SpoolFile::release);
    }

    private Set<SpoolFile> files() {
        Set<SpoolFile> files = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Part p : parts) {
            if (p.store() instanceof SpoolFile f) {
                files.add(f);
            }
        }
        return files;
    }

    /**
     * Reads up to {@code len} bytes at {@code position}, as many as there are; {@code channels} caches
     * the spool files a stream has open (null: opened and closed here).
     */
    int read(long position, byte[] b, int off, int len, ChannelCache channels) throws IOException {
        int done = 0;
        long at = 0;
        for (Part p : parts) {
            if (done == len) {
                break;
            }
            long pos = position + done;
            if (pos >= at + p.length()) {
                at += p.length();
                continue;
            }
            int n = (int) Math.min(len - done, at + p.length() - pos);
            long from = p.offset() + pos - at;
            if (p.store() instanceof Heap h) {
                System.arraycopy(h.bytes, (int) from, b, off + done, n);
            } else {
                SpoolFile f = (SpoolFile) p.store();
                if (channels == null) {
                    try (FileChannel ch = FileChannel.open(f.path, StandardOpenOption.READ)) {
                        readFully(ch, from, b, off + done, n);
                    }
                } else {
                    readFully(channels.open(f), from, b, off + done, n);
                }
            }
            done += n;
            at += p.length();
        }
        return done;
    }

    private static void readFully(FileChannel ch, long from, byte[] b, int off, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, n);
        while (buf.hasRemaining()) {
            if (ch.read(buf, from + buf.position() - off) < 0) {
                throw new IOException("spool file shorter than its content");
            }
        }
    }

    /** The spool files a stream (and the streams it shares them with) has open. */
    static final class ChannelCache implements AutoCloseable {
        private final IdentityHashMap<SpoolFile, FileChannel> open = new IdentityHashMap<>();

        synchronized FileChannel open(SpoolFile f) throws IOException {
            FileChannel ch = open.get(f);
            if (ch == null) {
                ch = FileChannel.open(f.path, StandardOpenOption.READ);
                open.put(f, ch);
            }
            return ch;
        }

        @Override
        public synchronized void close() throws IOException {
            for (FileChannel ch : open.values()) {
                ch.close();
            }
            open.clear();
        }
    }

    @Override
    public String toString() {
        return "MessageContent[" + size + " bytes" + (spooled() ? ", spooled" : "") + "]";
    }
}
