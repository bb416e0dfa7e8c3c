package dev.mailrelay.xsasl;

import dev.mailrelay.config.ConfigException;

import java.util.ArrayList;
import java.util.List;

/**
 * Postfix's {@code smtpd_sasl_mechanism_filter} / {@code smtp_sasl_mechanism_filter}: a list whose first
 * matching entry decides; {@code !name} excludes, {@code name} includes, {@code static:anything} matches
 * every remaining mechanism. A mechanism no entry matches is excluded; an empty list filters nothing.
 * Other table types are not supported here.
 *
 * <pre>{@code
 * MechanismFilter.parse("!external, static:rest", "smtpd_sasl_mechanism_filter").allows("PLAIN");   // true
 * }</pre>
 */
public final class MechanismFilter {
    private record Entry(String pattern, boolean negated) {
    }

    private final List<Entry> entries;

    private MechanismFilter(List<Entry> entries) {
        this.entries = entries;
    }

    /** Parses a filter value; {@code parameter} names it in errors. */
    public static MechanismFilter parse(String value, String parameter) {
        List<Entry> entries = new ArrayList<>();
        for (String word : value.split("[,\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            boolean negated = word.startsWith("!");
            String pattern = negated ? word.substring(1) : word;
            int colon = pattern.indexOf(':');
            if (colon >= 0 && !pattern.substring(0, colon).equalsIgnoreCase("static")) {
                throw new ConfigException(null, 0, parameter,
                        "table-valued filter \"" + word + "\" is not supported; list mechanism names or static:rest");
            }
            entries.add(new Entry(colon >= 0 ? null : pattern, negated));
        }
        return new MechanismFilter(entries);
    }

    /** Whether the mechanism passes the filter. */
    public boolean allows(String mechanism) {
        if (entries.isEmpty()) {
            return true;
        }
        for (Entry e : entries) {
            if (e.pattern() == null || e.pattern().equalsIgnoreCase(mechanism)) {
                return !e.negated();
            }
        }
        return false;
    }
}
