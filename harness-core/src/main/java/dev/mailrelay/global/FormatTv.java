package dev.mailrelay.global;

/**
 * Postfix's format_tv(): a time as a decimal number of seconds without irrelevant digits, as the
 * {@code delay=} of a delivery log line shows it (two significant digits, at most
 * {@code delay_logging_resolution_limit} digits after the point; large values round to whole
 * seconds, trailing zeros dropped).
 *
 * <pre>{@code
 * FormatTv.delay(Duration.ofMillis(1234), 2);   // "1.2"
 * }</pre>
 */
public final class FormatTv {
    private static final int MILLION = 1_000_000;
    private static final int[] POW10 = {1, 10, 100, 1000, 10000, 100000, 1000000};
    /** log_adhoc.c's SIG_DIGS. */
    private static final int SIG_DIGS = 2;

    private FormatTv() {
    }

    /** A delivery's {@code delay=} value; {@code maxDigits}: delay_logging_resolution_limit, 0 to 6. */
    public static String delay(java.time.Duration d, int maxDigits) {
        long micros = Math.max(0, d.toNanos() / 1000);
        return format(micros / MILLION, (int) (micros % MILLION), SIG_DIGS, maxDigits);
    }

    static String format(long sec, int usec, int sigDigits, int maxDigits) {
        int resolution = MILLION / POW10[maxDigits];
        int width = POW10[sigDigits];
        // Coarser resolution where more digits would not be significant.
        if (resolution < MILLION) {
            if (sec > 0) {
                int n = 1;
                while (sec >= n && n <= width / 10) {
                    n *= 10;
                }
                resolution = (MILLION / width) * n;
            } else {
                while (usec >= (long) width * resolution) {
                    resolution *= 10;
                }
            }
        }
        if (resolution > 1) {
            usec += resolution / 2;
            if (usec >= MILLION) {
                sec += 1;
                usec -= MILLION;
            }
        }
        StringBuilder out = new StringBuilder().append(sec);
        if (usec >= resolution) {
            out.append('.');
            int rem = usec;
            for (int n = MILLION / 10; rem >= resolution && n > 0; n /= 10) {
                out.append((char) ('0' + rem / n));
                rem %= n;
            }
        }
        return out.toString();
    }
}
