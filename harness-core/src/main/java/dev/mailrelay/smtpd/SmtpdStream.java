package dev.mailrelay.smtpd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The line layer of an SMTP session (Postfix's smtp_stream): lines end in LF, a CR before it is
 * dropped (bare LF is accepted as Postfix does), lines longer than the limit are cut and the rest
 * skipped, and replies are buffered and flushed only when no pipelined input is waiting.
 */
final class SmtpdStream {

    /** One input line: its bytes (without line ending) and how long it really was. */
    record RawLine(byte[] bytes, long length) {
        boolean truncated() {
            return length > bytes.length;
        }
    }

    private final InputStream in;
    private final OutputStream out;

    SmtpdStream(InputStream in, OutputStream out) {
        this.in = new BufferedInputStream(in, 8192);
        this.out = new BufferedOutputStream(out, 8192);
    }

    /**
     * Reads one line, keeping at most {@code limit} bytes of it.
     *
     * @return the line, or {@code null} at end of input
     */
    RawLine readLine(int limit) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(limit, 256));
        long length = 0;
        boolean pendingCr = false;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (length == 0 && !pendingCr) {
                    return null;
                }
                break;
            }
            if (b == '\n') {
                break;
            }
            if (pendingCr) {
                length = keep(kept, '\r', length, limit);
            }
            pendingCr = b == '\r';
            if (!pendingCr) {
                length = keep(kept, b, length, limit);
            }
        }
        return new RawLine(kept.toByteArray(), length);
    }

    private static long keep(ByteArrayOutputStream kept, int b, long length, int limit) {
        if (length < limit) {
            kept.write(b);
        }
        return length + 1;
    }

    /**
     * Reads exactly {@code count} bytes (a BDAT chunk), keeping at most {@code keep} of them in
     * {@code sink}; the rest is read and discarded.
     */
    void readChunk(long count, OutputStream sink, long keep) throws IOException {
        byte[] buf = new byte[8192];
        long left = count;
        long room = keep;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("lost connection in BDAT");
            }
            if (room > 0) {
                sink.write(buf, 0, (int) Math.min(n, room));
                room -= Math.min(n, room);
            }
            left -= n;
        }
    }

    /** Queues one reply line; it goes out at the next {@link #flushIfIdle()} or {@link #flush()}. */
    void reply(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    /** Flushes unless the client has already pipelined more input (Postfix's smtpd_chat_reply). */
    void flushIfIdle() throws IOException {
        if (in.available() == 0) {
            out.flush();
        }
    }

    void flush() throws IOException {
        out.flush();
    }
}
