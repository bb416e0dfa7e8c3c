package dev.mailrelay.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code main.cf} syntax as postconf(5) defines it: {@code name = value} logical lines as
 * {@link LogicalLines} reads them. A {@code #} after the start of a line is part of the value, as in
 * Postfix.
 *
 * <pre>{@code
 * List<Parameter> entries = MainCf.parse("""
 *     smtpd_sasl_auth_enable = yes
 *     smtpd_recipient_restrictions =
 *         permit_mynetworks permit_sasl_authenticated reject_unauth_destination
 *     """, "main.cf");
 * }</pre>
 */
public final class MainCf {

    private MainCf() {
    }

    /** Reads a {@code main.cf} file. */
    public static List<Parameter> read(Path file) {
        String text;
        try {
            text = LogicalLines.readText(file, "cannot read");
        } catch (ConfigException e) {
            throw new ConfigException(file.toString(), 0, null, e.detail());
        }
        return parse(text, file.toString());
    }

    /**
     * Parses {@code main.cf} text; {@code source} names it in errors. Each parameter keeps the
     * line its logical line started on.
     */
    public static List<Parameter> parse(String text, String source) {
        List<Parameter> result = new ArrayList<>();
        for (LogicalLines.Line line : LogicalLines.parse(text, source)) {
            result.add(entry(line.text(), source, line.number()));
        }
        return result;
    }

    /** Parses one {@code name = value} assignment, also used for master.cf's {@code -o name=value}. */
    static Parameter entry(String logical, String source, int line) {
        int eq = logical.indexOf('=');
        String name = (eq < 0 ? logical : logical.substring(0, eq)).strip();
        if (eq < 0) {
            throw new ConfigException(source, line, null, "missing '=' after attribute name: \"" + name + "\"");
        }
        if (name.isEmpty() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_')) {
            throw new ConfigException(source, line, null, "bad parameter name: \"" + name + "\"");
        }
        return new Parameter(name, logical.substring(eq + 1).strip(), source, line);
    }
}
