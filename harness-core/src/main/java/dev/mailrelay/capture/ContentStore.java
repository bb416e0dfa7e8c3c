package dev.mailrelay.capture;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where an instance keeps message content ({@link MessageContent}): up to
 * {@code mailrelay_content_memory_limit} bytes on the heap, beyond that in a spool file (mode 0600)
 * in a directory of the instance's own (mode 0700) under {@code mailrelay_content_directory}, made at
 * the first spooled message and deleted with everything in it when the instance stops.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#content-store -->
 * <pre>{@code
 * ContentStore store = new ContentStore(dir, "isp", 1 << 20);
 * ContentStore.Writer w = store.writer();
 * w.write(bytes, 0, bytes.length);
 * MessageContent content = w.finish();   // throws the first write error, leaving no file behind
 * }</pre>
 */
public final class ContentStore implements AutoCloseable {

    private static final FileAttribute<?> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<?> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path parent;
    private final String instance;
    private final long memoryLimit;
    private final FileStore fileStore;
    /** The instance's own directory, made at the first spooled message. */
    private Path directory;

    /**
     * @param parent      the directory to make the instance's spool directory in (it must exist)
     * @param instance    the instance name, part of the spool directory's name
     * @param memoryLimit the largest content kept on the heap, in bytes
     * @throws IOException when {@code parent} is no directory
     */
    public ContentStore(Path parent, String instance, long memoryLimit) throws IOException {
        if (!Files.isDirectory(parent)) {
            throw new IOException("not a directory: " + parent);
        }
        this.parent = parent;
        this.instance = instance;
        this.memoryLimit = memoryLimit;
        this.fileStore = Files.getFileStore(parent);
    }

    /** The file system spool files go to (smtpd checks its free space as Postfix checks the queue's). */
    public FileStore fileStore() {
        return fileStore;
    }

    /** The instance's spool directory, or {@code null} while no content was spooled. */
    public synchronized Path directory() {
        return directory;
    }

    private synchronized Path spoolDirectory() throws IOException {
        if (directory == null) {
            directory = createPrivate(() -> Files.createTempDirectory(parent, "mailrelay-" + instance + "-",
                    PRIVATE_DIRECTORY), () -> Files.createTempDirectory(parent, "mailrelay-" + instance + "-"));
        }
        return directory;
    }

    /** A writer for one message's content. */
    public Writer writer() {
        return new Writer();
    }

    /** Deletes the spool directory with every file in it. */
    @Override
    public synchronized void close() {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the spool directory " + directory, e);
        }
        directory = null;
    }

    @FunctionalInterface
    private interface Create {
        Path create() throws IOException;
    }

    /** POSIX permissions where the file system has them (a harness may run on Windows too). */
    static Path createPrivate(Create posix, Create plain) throws IOException {
        try {
            return posix.create();
        } catch (UnsupportedOperationException e) {
            return plain.create();
        }
    }

    /**
     * Takes one message's content as it arrives. A write never throws: the first failure (a full
     * disk) is kept, later writes are dropped, so the session reads the client's content to its end
     * and then answers, as Postfix's smtpd does after a cleanup write error.
     */
    public final class Writer extends OutputStream {

        private ByteArrayOutputStream heap = new ByteArrayOutputStream(8192);
        private Path file;
        private OutputStream out;
        private long size;
        private IOException failure;
        /** finish() handed the content over: it is the caller's now. */
        private boolean finished;

        private Writer() {
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            size += len;
            if (failure != null || (heap == null && out == null)) {
                return;     // failed, or discarded
            }
            try {
                if (out == null && heap.size() + (long) len > memoryLimit) {
                    spill();
                }
                if (out != null) {
                    out.write(b, off, len);
                } else {
                    heap.write(b, off, len);
                }
            } catch (IOException e) {
                failure = e;
            } catch (UncheckedIOException e) {
                failure = e.getCause();
            }
        }

        /** Moves what the heap holds to a new spool file; the rest goes there directly. */
        private void spill() throws IOException {
            Path dir = spoolDirectory();
            file = createPrivate(() -> Files.createTempFile(dir, "content-", "", PRIVATE_FILE),
                    () -> Files.createTempFile(dir, "content-", ""));
            out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE), 65536);
            heap.writeTo(out);
            heap = null;
        }

        /** The bytes written so far, kept or not. */
        public long size() {
            return size;
        }

        /** The first write error, or {@code null}. */
        public IOException failure() {
            return failure;
        }

        /**
         * The content written; its spool file, if any, has one holder: the caller.
         *
         * @throws IOException the first write error (then no spool file is left)
         */
        public MessageContent finish() throws IOException {
            if (out != null && failure == null) {
                try {
                    out.close();
                } catch (IOException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                discard();
                throw failure;
            }
            finished = true;
            return out == null ? MessageContent.adopt(heap.toByteArray()) : MessageContent.spooled(file, size);
        }

        /**
         * Drops the content (the transaction ended without it): the spool file is deleted. Nothing
         * happens after {@link #finish()}: the content is its caller's then.
         */
        public void discard() {
            if (finished) {
                return;
            }
            heap = null;
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the file is deleted anyway
                }
                out = null;
            }
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete spool file " + file, e);
                }
                file = null;
            }
        }

        /** {@link #discard()}: for try-with-resources around a transaction. */
        @Override
        public void close() {
            discard();
        }
    }
}
