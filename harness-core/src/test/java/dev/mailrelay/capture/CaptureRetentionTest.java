package dev.mailrelay.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mailrelay_session_retention_limit: the oldest ended sessions go first, and never silently. */
class CaptureRetentionTest {

    private static CapturedSession session(long id, boolean ended) {
        return new CapturedSession(id, "isp", "smtp", "127.0.0.1", 4000, "client" + id, null, null, null,
                List.of(new CapturedSession.Exchange("EHLO client" + id, List.of("250 mail.isp.example"))),
                Instant.now(), ended ? Instant.now() : null);
    }

    @Test
    void theOldestEndedSessionsAreDroppedAndEveryFailureMessageSaysHowMany() {
        Capture capture = new Capture("isp", 3);
        capture.record(session(1, false));              // open: never dropped
        for (long id = 2; id <= 6; id++) {
            capture.record(session(id, false));
            capture.record(session(id, true));
        }
        assertThat(capture.sessions()).extracting(CapturedSession::id).containsExactly(1L, 4L, 5L, 6L);
        assertThat(capture.droppedSessions()).isEqualTo(2);
        // Dropped sessions had ended: they count toward an await on ended sessions.
        assertThat(capture.awaitEndedSessions(5, Duration.ofSeconds(1))).hasSize(4);
        assertThatThrownBy(() -> capture.awaitEndedSessions(6, Duration.ofMillis(20)))
                .isInstanceOf(CaptureTimeoutException.class)
                .hasMessageContaining("4 session(s) (and 2 older ended session(s) dropped: "
                        + "mailrelay_session_retention_limit = 3)");
        capture.record(session(1, true));
        assertThat(capture.sessions()).extracting(CapturedSession::id).containsExactly(4L, 5L, 6L);
        assertThat(capture.droppedSessions()).isEqualTo(3);
        capture.reset();
        assertThat(capture.droppedSessions()).isZero();
        assertThat(capture.describe()).doesNotContain("dropped");
    }

    @Test
    void describeListsTheLatestSessionsOnlySoItsSizeIsBounded() {
        Capture capture = new Capture("isp", 0);
        for (long id = 1; id <= 500; id++) {
            capture.record(session(id, true));
        }
        String described = capture.describe();
        assertThat(capture.sessions()).hasSize(500);
        assertThat(described).contains("500 session(s) (the first 480 not shown):")
                .contains("#500 from").contains("#481 from").doesNotContain("#480 from");
        assertThat(described.length()).isLessThan(5000);
    }
}
