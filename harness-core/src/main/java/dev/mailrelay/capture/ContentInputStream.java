package dev.mailrelay.capture;

import jakarta.mail.internet.SharedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stream over a range of {@link MessageContent}, read at positions (so mark and reset are free) and
 * shareable as Jakarta Mail's {@link SharedInputStream}: a {@code MimeMessage} parsed from it keeps
 * ranges of the content instead of copies. A stream its reader closes keeps the spool files open
 * until {@link #close()}; one that nobody closes (a {@code MimeMessage}'s) opens them for each read,
 * so that no file stays open behind a parsed message.
 */
final class ContentInputStream extends InputStream implements SharedInputStream {

    private final MessageContent content;
    /** The open spool files, shared with the streams {@link #newStream} made; null: opened per read. */
    private final MessageContent.ChannelCache channels;
    private final long start;
    private final long end;
    private long pos;
    private long mark;
    /** At most 8 KB, and no larger than the stream: a 1 KB message does not allocate (and zero) 8 KB. */
    private final byte[] buf;
    /** The buffer holds {@code buf[0..bufLen)} = content bytes from {@code bufPos}. */
    private long bufPos;
    private int bufLen;

    /** @param keepOpen whether spool files stay open until {@link #close()} */
    ContentInputStream(MessageContent content, long start, long end, boolean keepOpen) {
        this.content = content;
        this.channels = keepOpen ? new MessageContent.ChannelCache() : null;
        this.start = start;
        this.end = end;
        this.pos = start;
        this.mark = start;
        this.buf = new byte[bufferSize(start, end)];
    }

    private ContentInputStream(ContentInputStream parent, long start, long end) {
        this.content = parent.content;
        this.channels = parent.channels;
        this.start = start;
        this.end = end;
        this.pos = start;
        this.mark = start;
        this.buf = new byte[bufferSize(start, end)];
    }

    private static int bufferSize(long start, long end) {
        return (int) Math.max(1, Math.min(8192, end - start));
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
            n = content.read(pos, b, off, n, channels);   // a large read skips the buffer
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
        bufLen = content.read(pos, buf, 0, (int) Math.min(buf.length, end - pos), channels);
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
    public void close() throws IOException {
        if (channels != null) {
            channels.close();   // a stream still reading (one newStream made) opens them again
        }
    }
}
