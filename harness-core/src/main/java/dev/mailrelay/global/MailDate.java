package dev.mailrelay.global;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Postfix's mail_date(): the date of {@code Received:}, {@code Date:} and a bounce's
 * {@code Arrival-Date:}, in local time with the offset and the zone's abbreviation, the day of the
 * month space-padded as strftime's {@code %e} pads it.
 *
 * <pre>{@code
 * MailDate.format(Instant.parse("2026-12-02T03:15:19Z"))   // "Wed,  2 Dec 2026 03:15:19 +0000 (UTC)" in UTC
 * }</pre>
 */
public final class MailDate {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("EEE, ppd MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** The last second formatted: a burst of messages formats each second and zone once. */
    private static volatile Formatted last = new Formatted(Long.MIN_VALUE, null, null);

    private record Formatted(long second, ZoneId zone, String text) {
    }

    private MailDate() {
    }

    /** {@code Wed,  2 Dec 2026 03:15:19 +0000 (UTC)}. */
    public static String format(Instant when) {
        ZoneId zone = ZoneId.systemDefault();
        Formatted f = last;
        if (f.second() != when.getEpochSecond() || !zone.equals(f.zone())) {
            ZonedDateTime t = when.atZone(zone);
            f = new Formatted(when.getEpochSecond(), zone,
                    FORMAT.format(t) + " (" + t.getZone().getDisplayName(TextStyle.SHORT, Locale.ROOT) + ")");
            last = f;
        }
        return f.text();
    }
}
