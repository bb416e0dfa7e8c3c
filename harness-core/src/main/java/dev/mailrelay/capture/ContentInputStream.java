package dev.mailrelay.capture;

import jakarta.mail.internet.SharedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;

/**
 * A stream over a range of {@link MessageContent}, read at positions (so mark and reset are free) and
 * shareable as Jakarta Mail's {@link SharedInputStream}: a {@code MimeMessage} parsed from it keeps
 * ranges of the content instead of copies. The spool files it opens are shared with the streams made
 * by {@link #newStream}, closed by {@link #close()} or, at the latest, once none of them is reachable.
 */
final class ContentInputStream extends InputStream implements SharedInputStream {

    private static final Cleaner CLEANER = Cleaner.create();

    /** What the streams of one {@link MessageContent#openStream()} share; its cleaner closes the files. */
    private static final class Shared {
        final MessageContent.ChannelCache channels;

        Shared(MessageContent.ChannelCache channels) {
            this.channels = channels;
        }
    }

    private final MessageContent content;
    private final Shared shared;
    private final long start;
    private final long end;
    private long pos;
    private long mark;
    private final byte[] buf = new byte[8192];
    /** The buffer holds {@code buf[0..bufLen)} = content bytes from {@code bufPos}. */
    private long bufPos;
    private int bufLen;

    ContentInputStream(MessageContent content, long start, long end) {
        this.content = content;
        MessageContent.ChannelCache channels = new MessageContent.ChannelCache();
        this.shared = new Shared(channels);
        CLEANER.register(shared, () -> closeQuietly(channels));
        this.start = start;
        this.end = end;
        this.pos = start;
        this.mark = start;
    }

    private ContentInputStream(ContentInputStream parent, long start, long end) {
        this.content = parent.content;
        this.shared = parent.shared;
        this.start = start;
        this.end = end;
        this.pos = start;
        this.mark = start;
    }

    private static void closeQuietly(MessageContent.ChannelCache channels) {
        try {
            channels.close();
        } catch (IOException ignored) {
            // read-only files: nothing is lost
        }
    }

    @Override
    public int read() throws IOException {
        if (pos >= end) {
            return -1;
        }
        if (pos < bufPos || pos >= bufPos + bufLen) {
            fill();
        }
        return buf[(int) (pos++ - bufPos)] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos >= end) {
            return -1;
        }
        int n = (int) Math.min(len, end - pos);
        if (pos >= bufPos && pos < bufPos + bufLen) {
            n = (int) Math.min(n, bufPos + bufLen - pos);
            System.arraycopy(buf, (int) (pos - bufPos), b, off, n);
        } else if (n >= buf.length) {
            n = content.read(pos, b, off, n, shared.channels);   // a large read skips the buffer
        } else {
            fill();
            n = Math.min(n, bufLen);
            System.arraycopy(buf, 0, b, off, n);
        }
        pos += n;
        return n;
    }

    private void fill() throws IOException {
        bufPos = pos;
        bufLen = content.read(pos, buf, 0, (int) Math.min(buf.length, end - pos), shared.channels);
        if (bufLen <= 0) {
            throw new IOException("message content ended early at " + pos);
        }
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, end - pos));
        pos += k;
        return k;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - pos);
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public synchronized void mark(int readLimit) {
        mark = pos;
    }

    @Override
    public synchronized void reset() {
        pos = mark;
    }

    @Override
    public long getPosition() {
        return pos - start;
    }

    @Override
    public InputStream newStream(long from, long to) {
        if (from < 0) {
            throw new IllegalArgumentException("start < 0");
        }
        return new ContentInputStream(this, start + from, to < 0 ? end : start + to);
    }

    @Override
    public void close() {
        // Closes the files now; a stream still reading (one newStream made) opens them again.
        closeQuietly(shared.channels);
    }
}
