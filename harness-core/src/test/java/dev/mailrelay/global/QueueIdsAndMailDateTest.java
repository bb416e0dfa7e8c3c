package dev.mailrelay.global;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Postfix's short queue IDs and its mail_date() header date, each made per message. */
class QueueIdsAndMailDateTest {

    @Test
    void queueIdsAreFiveClockHexDigitsThenTheCounterInUpperCaseHexAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = QueueIds.next();
            assertThat(id).matches("[0-9A-F]{5}[0-9A-F]{5,}");
            assertThat(seen.add(id)).as(id).isTrue();
        }
    }

    @Test
    void theDateOfEachSecondAndItsNeighbours() {
        Instant t = Instant.parse("2026-12-02T03:15:19.250Z");
        String a = MailDate.format(t);
        assertThat(MailDate.format(t.plusMillis(700))).isEqualTo(a);
        assertThat(MailDate.format(t.plusSeconds(1))).isNotEqualTo(a).contains(":20 ");
        assertThat(MailDate.format(t)).isEqualTo(a);
        assertThat(MailDate.format(Instant.parse("2026-12-09T10:00:00Z"))).contains(" 9 Dec 2026 ");
    }
}
