package dev.mailrelay.smtpd;

import dev.mailrelay.global.SmtpStreamDeadline;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The line layer of an SMTP session (Postfix's smtp_stream): lines end in LF, a CR before it is
 * dropped (bare LF is accepted as Postfix does), lines longer than the limit are cut and the rest
 * skipped, and replies are buffered and flushed only when no pipelined input is waiting. Every
 * read and write is bounded by the connection's {@link SmtpStreamDeadline}.
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
    private final SmtpStreamDeadline deadline;
    /** Bytes read from the client so far. */
    private long received;
    /** Bytes consumed before the message content began, or -1 outside content. */
    private long contentStart = -1;
    /** Input read ahead of the session (pipelined commands, message content): {@code buf[pos..limit)}. */
    private final byte[] buf = new byte[16384];
    private int pos;
    private int limit;
    /** The line being read, reused from line to line. */
    private byte[] line = new byte[256];

    SmtpdStream(InputStream in, OutputStream out, SmtpStreamDeadline deadline) {
        this.in = in;
        this.out = new BufferedOutputStream(deadline.guard(out), 8192);
        this.deadline = deadline;
    }

    /** A new request (smtp_stream_setup() before each command): the full time budget, no content. */
    void startRequest() {
        deadline.startRequest(0);
        contentStart = -1;
    }

    /**
     * Message content begins (DATA after 354, a BDAT chunk): a new time budget that each transfer
     * extends by bytes / {@code minDataRate} seconds when smtpd_per_request_deadline is on.
     */
    void startContent(int minDataRate) {
        deadline.startRequest(minDataRate);
        contentStart = received - (limit - pos);
    }

    /**
     * The content bytes received so far (consumed or waiting in the buffer), as Postfix logs them in
     * "timeout after DATA (N bytes)"; -1 outside message content.
     */
    long contentBytes() {
        return contentStart < 0 ? -1 : received - contentStart;
    }

    /** Reads more input into the empty buffer; false at end of input. */
    private boolean fill() throws IOException {
        deadline.beforeRead();
        long start = System.nanoTime();
        int n = in.read(buf, 0, buf.length);
        deadline.transferred(start, Math.max(n, 0));
        if (n <= 0) {
            return false;
        }
        received += n;
        pos = 0;
        limit = n;
        return true;
    }

    /**
     * Reads one line, keeping at most {@code limit} bytes of it. The buffer is scanned for the LF a
     * block at a time (not a synchronized read() per byte), which is what bounds DATA throughput.
     *
     * @return the line, or {@code null} at end of input
     */
    RawLine readLine(int limit) throws IOException {
        long cap = limit + 1L;          // the content's bytes plus a CR that may precede the LF
        int kept = 0;
        long length = 0;                // bytes before the LF (or the end of input)
        int last = -1;
        boolean eof = false;
        while (true) {
            if (pos == this.limit && !fill()) {
                eof = true;
                break;
            }
            int lf = -1;
            for (int i = pos; i < this.limit; i++) {
                if (buf[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            int end = lf < 0 ? this.limit : lf;
            int n = end - pos;
            if (n > 0) {
                int room = (int) Math.min(n, cap - kept);
                if (room > 0) {
                    if (kept + room > line.length) {
                        line = Arrays.copyOf(line, (int) Math.min(cap, Math.max(kept + room, 2L * line.length)));
                    }
                    System.arraycopy(buf, pos, line, kept, room);
                    kept += room;
                }
                length += n;
                last = buf[end - 1];
            }
            pos = lf < 0 ? this.limit : lf + 1;
            if (lf >= 0) {
                break;
            }
        }
        if (eof && length == 0) {
            return null;
        }
        if (last == '\r') {
            length--;                   // CRLF (or a CR at the end of input): the CR is no content
        }
        byte[] bytes = Arrays.copyOf(line, (int) Math.min(length, limit));
        if (line.length > 65536) {
            line = new byte[256];       // a long DATA line does not stay allocated for the session
        }
        return new RawLine(bytes, length);
    }

    /** A piece of a content line in the caller's array: {@code length} bytes, and whether the line ends. */
    record Piece(int length, boolean lineEnds) {
    }

    /**
     * Reads the next piece of a line of message content into {@code dst}: up to the line's end or
     * {@code dst.length} bytes, whichever comes first, so that a line of any length streams through
     * a bounded buffer (as Postfix keeps long lines as REC_TYPE_CONT records). A CR before the LF is
     * no content; a CR that a full piece ends on waits for the next piece, where it may turn out to
     * be one.
     *
     * @param dst at least two bytes
     * @return the piece, or {@code null} at end of input
     */
    Piece readPiece(byte[] dst) throws IOException {
        int n = 0;
        while (true) {
            if (pos == this.limit && !fill()) {
                return n == 0 ? null : new Piece(n, false);
            }
            int end = Math.min(this.limit, pos + dst.length - n);
            int lf = -1;
            for (int i = pos; i < end; i++) {
                if (buf[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            int stop = lf < 0 ? end : lf;
            System.arraycopy(buf, pos, dst, n, stop - pos);
            n += stop - pos;
            pos = stop;
            if (lf >= 0) {
                pos++;
                return new Piece(n > 0 && dst[n - 1] == '\r' ? n - 1 : n, true);
            }
            if (n == dst.length) {
                if (dst[n - 1] == '\r') {
                    n--;        // the CR was just copied from buf[pos - 1]: read it again next time
                    pos--;
                }
                return new Piece(n, false);
            }
        }
    }

    /** Reads exactly {@code len} bytes of a BDAT chunk into {@code dst}. */
    void readFully(byte[] dst, int len) throws IOException {
        int n = 0;
        while (n < len) {
            if (pos == limit && !fill()) {
                throw new IOException("lost connection in BDAT");
            }
            int k = Math.min(limit - pos, len - n);
            System.arraycopy(buf, pos, dst, n, k);
            pos += k;
            n += k;
        }
    }

    /** Reads and discards {@code count} bytes, a refused BDAT chunk, a buffer at a time. */
    void skip(long count) throws IOException {
        long left = count;
        while (left > 0) {
            if (pos == limit && !fill()) {
                throw new IOException("lost connection in BDAT");
            }
            int n = (int) Math.min(limit - pos, left);
            pos += n;
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
        if (pos == limit && in.available() == 0) {
            out.flush();
        }
    }

    void flush() throws IOException {
        out.flush();
    }
}
