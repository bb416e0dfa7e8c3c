package dev.mailrelay.qmgr;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.TlsInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The durable queue ({@code mailrelay_queue_directory}): one file per queue file, named by its queue
 * ID, written to a temporary name, forced to disk and renamed atomically, so that a crash leaves
 * either the whole queue file or none; it holds the message and the recipients still to deliver.
 */
final class QueueFiles {

    private static final int MAGIC = 0x4d525131;   // "MRQ1"

    /** A queue file read back: the message and its recipients still pending. */
    record Stored(CapturedMessage message, List<String> pending) {
    }

    private final Path directory;

    QueueFiles(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create mailrelay_queue_directory " + directory, e);
        }
    }

    Path directory() {
        return directory;
    }

    /** Writes (or rewrites) the queue file; returns only once it is on disk. */
    void write(CapturedMessage m, List<String> pending) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(m.content().length + 1024);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            for (String s : new String[] {m.queueId(), m.instance(), m.sender(), m.clientName(), m.clientAddress(),
                    m.helo(), m.protocol(), m.saslMethod(), m.saslUsername(), m.saslSender(), m.receivedHeader()}) {
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
            byte[] content = m.content();
            out.writeInt(content.length);
            out.write(content);
            out.flush();
            Path tmp = directory.resolve(m.queueId() + ".tmp");
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
                ch.force(true);
            }
            Files.move(tmp, directory.resolve(m.queueId()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("queue file write error: " + m.queueId(), e);
        }
    }

    void remove(String queueId) {
        try {
            Files.deleteIfExists(directory.resolve(queueId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove queue file " + queueId, e);
        }
    }

    /** Every complete queue file (leftover temporary files of a crash are deleted). */
    List<Stored> readAll() {
        List<Stored> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path p : files.sorted().toList()) {
                if (p.getFileName().toString().endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                    continue;
                }
                out.add(read(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read mailrelay_queue_directory " + directory, e);
        }
        return out;
    }

    static Stored read(byte[] file) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(file));
        if (in.readInt() != MAGIC) {
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
        int n = in.readInt();
        if (n < 0 || n > file.length) {
            throw new IOException("corrupt queue file");
        }
        byte[] content = in.readNBytes(n);
        return new Stored(new CapturedMessage(f[0], f[1], f[2], recipients, f[3], f[4], f[5], f[6], f[7], f[8], f[9],
                tls, f[10], arrival, content), pending);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
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
        return new String(in.readNBytes(n), java.nio.charset.StandardCharsets.UTF_8);
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
