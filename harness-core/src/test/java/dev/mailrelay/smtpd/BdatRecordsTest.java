package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The records bdat_cmd() makes of BDAT chunks; the expected byte counts are Postfix 3.7.11's replies
 * to the same chunks ({@code PostfixFidelityTest}'s "BDAT replies count the chunk, then the stored
 * record bytes").
 */
class BdatRecordsTest {

    /** The records of one message sent as {@code chunks}, the last one BDAT LAST: "N" or "C" + content. */
    private static List<String> records(String... chunks) {
        BdatRecords records = new BdatRecords(2048);
        List<String> out = new ArrayList<>();
        for (int c = 0; c < chunks.length; c++) {
            byte[] chunk = chunks[c].getBytes(StandardCharsets.ISO_8859_1);
            int done = 0;
            do {
                int len = Math.min(BdatRecords.PIECE, chunk.length - done);
                byte[] piece = new byte[BdatRecords.PIECE];
                System.arraycopy(chunk, done, piece, 0, len);
                boolean end = c == chunks.length - 1 && done + len == chunk.length;
                records.piece(piece, len, end, (b, n, normal) ->
                        out.add((normal ? "N" : "C") + new String(b, 0, n, StandardCharsets.ISO_8859_1)));
                done += len;
            } while (done < chunk.length);
        }
        return out;
    }

    /** act_size: each record's length + 2. */
    private static long stored(List<String> records) {
        return records.stream().mapToLong(r -> r.length() - 1 + 2).sum();
    }

    @Test
    void linesEndAtLfWithoutTheCrsBeforeIt() {
        assertThat(records("Subject: x\r\n", "\r\n.a\n", "x".repeat(100)))
                .containsExactly("NSubject: x", "N", "N.a", "N" + "x".repeat(100));
        assertThat(stored(records("Subject: x\r\n", "\r\n.a\n", "x".repeat(100)))).isEqualTo(120);
        assertThat(records("ab\r", "\ncd", "\r")).containsExactly("Nab", "Ncd\r");
        assertThat(records("ab\r\r", "\n" + "y".repeat(4999))).hasSize(4).first().isEqualTo("Nab");
        assertThat(stored(records("ab\r\r", "\n" + "y".repeat(4999)))).isEqualTo(5009);
        assertThat(records("")).isEmpty();
    }

    @Test
    void aCrAtTheEndOfAFullLineWaitsForTheNextPiece() {
        // The 2048th byte of the line is a CR and the last of a 4096-byte piece: the next piece's CR LF ends the line.
        List<String> r = records("a".repeat(2048) + "b".repeat(2047) + "\r\r\n");
        assertThat(r).containsExactly("C" + "a".repeat(2048), "N" + "b".repeat(2047));
        assertThat(stored(r)).isEqualTo(4099);
        assertThat(stored(records("a".repeat(2048) + "b".repeat(2047) + "\r\r"))).isEqualTo(4103);
        // Within a piece the same CR is a full line's last byte, and CR LF makes an empty line.
        assertThat(records("c".repeat(2047) + "\r\rd", "\n\n"))
                .containsExactly("C" + "c".repeat(2047) + "\r", "N\rd", "N");
    }
}
