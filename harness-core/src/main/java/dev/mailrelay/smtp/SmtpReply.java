package dev.mailrelay.smtp;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server reply as the Postfix SMTP client keeps it: the code, the enhanced status code (taken from
 * the text, or made up from the code as Postfix does), and the text of all lines joined by spaces,
 * which is what the {@code status=} log line shows.
 *
 * @param code  the three-digit code
 * @param dsn   the enhanced status code
 * @param lines the reply lines without the code prefix
 */
public record SmtpReply(int code, String dsn, List<String> lines) {

    private static final Pattern DSN = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s|$)");

    public SmtpReply {
        lines = List.copyOf(lines);
    }

    static SmtpReply of(int code, List<String> lines) {
        String first = lines.isEmpty() ? "" : lines.get(0);
        Matcher m = DSN.matcher(first);
        String dsn = m.find() && m.group(1).charAt(0) == Integer.toString(code).charAt(0)
                ? m.group(1) + "." + m.group(2) + "." + m.group(3)
                : (code / 100) + ".0.0";
        return new SmtpReply(code, dsn, lines);
    }

    public boolean positive() {
        return code / 100 == 2;
    }

    public boolean intermediate() {
        return code / 100 == 3;
    }

    public boolean transientFailure() {
        return code / 100 == 4;
    }

    /** {@code 250 2.0.0 Ok: queued as X}, multi-line replies joined with spaces. */
    @Override
    public String toString() {
        return code + " " + String.join(" ", lines);
    }
}
