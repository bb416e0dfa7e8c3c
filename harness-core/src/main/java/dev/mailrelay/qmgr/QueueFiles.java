package dev.mailrelay.qmgr;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.ContentStore;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.capture.QueueFlags;
import dev.mailrelay.capture.TlsInfo;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * The durable queue ({@code mailrelay_queue_directory}): one file per queue file, named by its queue
 * ID, mode 0600 in a directory of mode 0700, written to a temporary name, forced to disk and renamed
 * atomically, so that a crash leaves either the whole queue file or none; it holds the message and
 * the recipients still to deliver, and ends with a marker so that a truncated file is recognised.
 * A file that cannot be read back (unreadable, truncated, not a queue file) is moved to
 * {@code corrupt/} with a warning, as Postfix's qmgr does, and the others are recovered.
 */
final class QueueFiles {

    private static final Logger log = Maillog.logger("dev.mailrelay.qmgr");
    private static final int MAGIC = 0x4d525133;   // "MRQ3": MRQ2 and the hold flag and content filter
    private static final int MAGIC_2 = 0x4d525132; // "MRQ2", still read
    private static final int END = 0x454e4421;     // "END!"
    private static final Set<StandardOpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
    private static final FileAttribute<?> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /** A queue file read back: the message and its recipients still pending. */
    record Stored(CapturedMessage message, List<String> pending) {
    }

    private final String instance;
    private final Path directory;
    private final FileStore fileStore;
    private final ContentStore contents;

    /** @param contents where the content of recovered messages is kept */
    QueueFiles(String instance, Path directory, ContentStore contents) {
        this.instance = instance;
        this.directory = directory;
        this.contents = contents;
        try {
            createPrivateDirectories(directory);
            this.fileStore = Files.getFileStore(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create mailrelay_queue_directory " + directory, e);
        }
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, PRIVATE_DIRECTORY);
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);   // no POSIX permissions on this file system
        }
    }

    Path directory() {
        return directory;
    }

    FileStore fileStore() {
        return fileStore;
    }

    /**
     * Writes (or rewrites) the queue file; returns only once it is on disk. On failure nothing is
     * left of this attempt (an older version of the file stays as it was).
     */
    void write(CapturedMessage m, List<String> pending) throws IOException {
        Path tmp = directory.resolve(m.queueId() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            try (FileChannel ch = open(tmp)) {
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch),
                        65536));
                out.writeInt(MAGIC);
                for (String s : new String[] {m.queueId(), m.instance(), m.sender(), m.clientName(),
                        m.clientAddress(), m.helo(), m.protocol(), m.saslMethod(), m.saslUsername(), m.saslSender(),
                        m.receivedHeader()}) {
                    writeString(out, s);
                }
                writeList(out, m.recipients());
                writeList(out, pending);
                out.writeBoolean(m.tls() != null);
                if (m.tls() != null) {
                    writeString(out, m.tls().protocol());
                    writeString(out, m.tls().cipher());
                    out.writeBoolean(m.tls().clientCertificatePresented());
                }
                out.writeLong(m.arrivalTime().toEpochMilli());
                out.writeBoolean(m.flags().hold());
                writeString(out, m.flags().filter());
                out.writeLong(m.size());
                m.messageContent().writeTo(out);
                out.writeInt(END);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, directory.resolve(m.queueId()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e instanceof IOException io ? io : new IOException("queue file write error: " + m.queueId(), e);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, CREATE, PRIVATE_FILE);
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(file, CREATE);
        }
    }

    void remove(String queueId) {
        try {
            Files.deleteIfExists(directory.resolve(queueId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove queue file " + queueId, e);
        }
    }

    /**
     * Every queue file that reads back whole; leftover temporary files of a crash are deleted, and a
     * file that is not a whole queue file is moved to {@code corrupt/} with a warning naming it.
     */
    List<Stored> readAll() {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read mailrelay_queue_directory " + directory, e);
        }
        List<Stored> out = new ArrayList<>();
        for (Path p : files) {
            try {
                if (p.getFileName().toString().endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                    continue;
                }
                out.add(read(p));
            } catch (ContentUnavailable e) {
                // A whole queue file that cannot be kept now (a full spool): it waits for the next start.
                log.warn("{}/qmgr: warning: {}: cannot recover now: {}", instance, p, e.getCause().toString());
            } catch (IOException | RuntimeException e) {
                moveToCorrupt(p, e);
            }
        }
        return out;
    }

    private void moveToCorrupt(Path file, Exception why) {
        Path corrupt = directory.resolve("corrupt");
        try {
            createPrivateDirectories(corrupt);
            Files.move(file, corrupt.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            log.warn("{}/qmgr: warning: {}: {}: moved to {}", instance, file,
                    why.getMessage() == null ? why.toString() : why.getMessage(), corrupt);
        } catch (IOException e) {
            // Left where it is: it is tried (and reported) again at the next start.
            log.warn("{}/qmgr: warning: {}: {}; cannot move it to {}: {}", instance, file, why.getMessage(), corrupt,
                    e.toString());
        }
    }

    /** A queue file whose content the content store could not take. */
    private static final class ContentUnavailable extends Exception {
        ContentUnavailable(IOException cause) {
            super(cause);
        }
    }

    /** Reads one queue file; its content goes to the content store (the heap, or a spool file). */
    private Stored read(Path file) throws IOException, ContentUnavailable {
        long fileSize = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 65536))) {
            int magic = fileSize < 4 ? 0 : in.readInt();
            if (magic != MAGIC && magic != MAGIC_2) {
                throw new IOException("not a mailrelay queue file");
            }
            String[] f = new String[11];
            for (int i = 0; i < f.length; i++) {
                f[i] = readString(in);
            }
            List<String> recipients = readList(in);
            List<String> pending = readList(in);
            TlsInfo tls = in.readBoolean() ? new TlsInfo(readString(in), readString(in), in.readBoolean()) : null;
            Instant arrival = Instant.ofEpochMilli(in.readLong());
            QueueFlags flags = QueueFlags.NONE;
            if (magic == MAGIC) {
                boolean hold = in.readBoolean();
                flags = new QueueFlags(hold, false, readString(in));
            }
            long n = in.readLong();
            if (n < 0 || n > fileSize) {
                throw new IOException("corrupt queue file: bad content length " + n);
            }
            MessageContent content;
            try (ContentStore.Writer w = contents.writer()) {
                byte[] buf = new byte[65536];
                for (long left = n; left > 0; ) {
                    int k = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (k < 0) {
                        throw new EOFException("truncated queue file: content ends " + left + " bytes early");
                    }
                    w.write(buf, 0, k);
                    left -= k;
                }
                if (in.readInt() != END || in.read() >= 0) {
                    throw new IOException("corrupt queue file: no end marker after the content");
                }
                try {
                    content = w.finish();
                } catch (IOException e) {
                    throw new ContentUnavailable(e);
                }
            }
            return new Stored(new CapturedMessage(f[0], f[1], f[2], recipients, f[3], f[4], f[5], f[6], f[7], f[8],
                    f[9], tls, f[10], arrival, content, flags), pending);
        } catch (EOFException e) {
            throw new IOException("truncated queue file", e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        int n = in.readInt();
        if (n < 0 || n > (1 << 24)) {
            throw new IOException("corrupt queue file");
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeList(DataOutputStream out, List<String> list) throws IOException {
        out.writeInt(list.size());
        for (String s : list) {
            writeString(out, s);
        }
    }

    private static List<String> readList(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) {
            throw new IOException("corrupt queue file");
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readString(in));
        }
        return out;
    }
}
