package dev.mailrelay.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TranscriptTest {

    private static CapturedSession.Exchange ex(int i) {
        return new CapturedSession.Exchange("NOOP " + i, List.of("250 2.0.0 Ok"));
    }

    @Test
    void aSnapshotKeepsWhatWasThereThroughLaterAppendsAndGrowth() {
        Transcript t = new Transcript(0);
        t.add(ex(0));
        t.add(ex(1));
        List<CapturedSession.Exchange> two = t.snapshot();
        for (int i = 2; i < 100; i++) {
            t.add(ex(i));
        }
        assertThat(two).containsExactly(ex(0), ex(1));
        assertThat(t.snapshot()).hasSize(100).endsWith(ex(99));
        assertThatThrownBy(() -> two.add(ex(5))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> two.get(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aCapturedSessionTakesTheSnapshotAsIsAndEqualsACopiedTranscript() {
        Transcript t = new Transcript(0);
        t.add(ex(0));
        Instant now = Instant.now();
        CapturedSession a = new CapturedSession(1, "i", "smtp", "127.0.0.1", 1, null, null, null, null, t.snapshot(), now, null);
        CapturedSession b = new CapturedSession(1, "i", "smtp", "127.0.0.1", 1, null, null, null, null,
                new java.util.ArrayList<>(List.of(ex(0))), now, null);
        t.add(ex(1));
        assertThat(a.transcript()).containsExactly(ex(0));
        assertThat(a).isEqualTo(b);
    }

    @Test
    void aLimitedTranscriptKeepsTheStartAndTheLatestExchangesAndSaysWhatItDropped() {
        // "NOOP n" and "250 2.0.0 Ok" cost 6-8 + 12 bytes of text plus 2 x 32 per exchange: about 83.
        Transcript t = new Transcript(1000);
        for (int i = 0; i < 1000; i++) {
            t.add(ex(i));
        }
        List<CapturedSession.Exchange> s = t.snapshot();
        assertThat(s.get(0)).isEqualTo(ex(0));
        assertThat(s.get(s.size() - 1)).isEqualTo(ex(999));
        assertThat(s.size()).isBetween(10, 14);
        CapturedSession.Exchange marker = s.stream().filter(e -> e.command().startsWith("[")).findFirst().orElseThrow();
        int dropped = 1000 - (s.size() - 1);
        assertThat(marker.command()).startsWith("[mailrelay_transcript_limit = 1000: " + dropped + " exchange(s), ")
                .endsWith(" bytes dropped here]");
        assertThat(marker.reply()).isEmpty();
        // The head is contiguous from the start, the tail contiguous up to the latest.
        int at = s.indexOf(marker);
        for (int i = 0; i < at; i++) {
            assertThat(s.get(i)).isEqualTo(ex(i));
        }
        for (int i = at + 1; i < s.size(); i++) {
            assertThat(s.get(i)).isEqualTo(ex(1000 - (s.size() - i)));
        }
        // An earlier snapshot is unaffected by later adds.
        t.add(ex(1000));
        assertThat(s.get(s.size() - 1)).isEqualTo(ex(999));
    }
}
