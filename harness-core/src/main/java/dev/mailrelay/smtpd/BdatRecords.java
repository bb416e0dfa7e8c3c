package dev.mailrelay.smtpd;

/**
 * BDAT content as smtpd.c's bdat_cmd() turns it into queue file records: a chunk is read in pieces of
 * VSTREAM_BUFSIZE (4096) bytes, and smtp_get_noexcept() splits lines off each piece: at a LF (a
 * REC_TYPE_NORM record without the LF and the CRs before it) or after line_length_limit bytes (a
 * REC_TYPE_CONT record). A line may go on in the next piece or chunk; the last line of the final chunk
 * is a record without a LF. The pieces matter as much as in Postfix, no more: a CR that is the last byte
 * a read may take waits for the next piece, and what that piece starts with decides the record.
 *
 * <pre>{@code
 * BdatRecords records = new BdatRecords(2048);
 * byte[] piece = "Subject: x\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII);
 * records.piece(piece, piece.length, true, (b, len, normal) -> { ... });   // three NORM records
 * }</pre>
 */
final class BdatRecords {
    /** Postfix's VSTREAM_BUFSIZE: bdat_cmd() reads a chunk in pieces of at most this many bytes. */
    static final int PIECE = 4096;

    /** Receives one record: {@code len} bytes of {@code bytes}; {@code normal} for REC_TYPE_NORM (a line end). */
    @FunctionalInterface
    interface Sink {
        void record(byte[] bytes, int len, boolean normal);
    }

    private static final int EOF = -1;

    private final int lineLimit;
    /** bdat_get_buffer: the line so far, kept across pieces and chunks; at most line_length_limit + 2 bytes. */
    private final byte[] line;
    private int lineLen;
    // The piece being read, as the memory stream bdat_get_stream reads it.
    private byte[] piece;
    private int pieceLen;
    private int pos;
    private boolean eof;

    BdatRecords(int lineLimit) {
        this.lineLimit = lineLimit;
        this.line = new byte[lineLimit + 2];
    }

    /** A new message: no line carried over (mail_reset()). */
    void reset() {
        lineLen = 0;
    }

    /**
     * One piece of a chunk, the loop of bdat_cmd() over it.
     *
     * @param end whether this is the last piece of the final chunk, where a line without LF ends too
     */
    void piece(byte[] bytes, int len, boolean end, Sink sink) {
        piece = bytes;
        pieceLen = len;
        pos = 0;
        eof = false;
        do {
            int canRead = lineLimit - lineLen;
            boolean normal;
            if (smtpGet(canRead > 0 ? canRead : 1) == '\n') {
                normal = true;                  // stopped at end-of-line
            } else if (lineLen > lineLimit) {
                ungetc();                       // undo peeking, the line so far is a REC_TYPE_CONT
                lineLen--;
                normal = false;
            } else if (!eof) {
                normal = false;                 // stopped at line_length_limit
            } else if (lineLen > 0 && end) {
                normal = true;                  // the final chunk's end: a last line without LF
            } else {
                break;                          // the piece's end: the line goes on in the next one
            }
            sink.record(line, lineLen, normal);
            lineLen = 0;
        } while (!eof);
    }

    /**
     * smtp_get_noexcept() with SMTP_GET_FLAG_APPEND, as smtpd runs it (bare LF detection off): appends up
     * to {@code bound} bytes through a LF; a CR just read looks at the next byte for the LF.
     *
     * @return the last byte read (LF for a line end, stripped with the CRs before it), or EOF
     */
    private int smtpGet(int bound) {
        int base = lineLen;
        int c;
        while (bound-- > 0 && (c = getc()) != EOF) {
            line[lineLen++] = (byte) c;
            if (c == '\n') {
                break;
            }
        }
        int last = lineLen > base ? line[lineLen - 1] & 0xff : EOF;
        if (last == '\r') {
            int next = getc();
            if (next != '\n') {
                if (next != EOF) {
                    ungetc();
                }
                return last;
            }
            line[lineLen++] = '\n';
            last = '\n';
        }
        if (last == '\n') {
            lineLen--;
            while (lineLen > 0 && line[lineLen - 1] == '\r') {
                lineLen--;
            }
        }
        return last;
    }

    private int getc() {
        if (pos == pieceLen) {
            eof = true;
            return EOF;
        }
        return piece[pos++] & 0xff;
    }

    /** vstream_ungetc(): the byte just read is read again; it clears the end-of-file flag. */
    private void ungetc() {
        pos--;
        eof = false;
    }
}
