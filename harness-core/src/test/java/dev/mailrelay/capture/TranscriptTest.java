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
        Transcript t = new Transcript();
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
        Transcript t = new Transcript();
        t.add(ex(0));
        Instant now = Instant.now();
        CapturedSession a = new CapturedSession(1, "i", "smtp", "127.0.0.1", 1, null, null, null, null, t.snapshot(), now, null);
        CapturedSession b = new CapturedSession(1, "i", "smtp", "127.0.0.1", 1, null, null, null, null,
                new java.util.ArrayList<>(List.of(ex(0))), now, null);
        t.add(ex(1));
        assertThat(a.transcript()).containsExactly(ex(0));
        assertThat(a).isEqualTo(b);
    }
}
