package dev.mailrelay.tables;

import dev.mailrelay.config.Parameters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A domain list as {@code mydestination} and {@code relay_domains} take it (Postfix's
 * domain_list): domain names and {@code type:table} lookups, each may be negated with {@code !};
 * the first match decides. With {@code parentMatchesSubdomains} (Postfix's
 * {@code parent_domain_matches_subdomains}, which includes {@code relay_domains}) a listed domain
 * also matches its subdomains; a {@code .domain} entry always matches only subdomains.
 *
 * <pre>{@code
 * DomainList local = DomainList.parse(params.list("mydestination"), baseDir, false);
 * boolean isLocal = local.matches("localhost");
 * }</pre>
 */
public final class DomainList {

    private record Entry(String domain, LookupTable table, boolean negated) {
    }

    private final List<Entry> entries;
    private final boolean parentMatchesSubdomains;

    private DomainList(List<Entry> entries, boolean parentMatchesSubdomains) {
        this.entries = entries;
        this.parentMatchesSubdomains = parentMatchesSubdomains;
    }

    /** Parses the items of a domain-list parameter value (see {@link Parameters#list(String)}). */
    public static DomainList parse(List<String> items, Path baseDirectory, boolean parentMatchesSubdomains) {
        List<Entry> entries = new ArrayList<>();
        for (String item : items) {
            boolean negated = item.startsWith("!");
            String s = negated ? item.substring(1) : item;
            if (s.indexOf(':') > 0 && !s.startsWith("[")) {
                entries.add(new Entry(null, Tables.open(s, baseDirectory), negated));
            } else {
                entries.add(new Entry(s.toLowerCase(Locale.ROOT), null, negated));
            }
        }
        return new DomainList(List.copyOf(entries), parentMatchesSubdomains);
    }

    /** Whether the domain is in the list. */
    public boolean matches(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        for (Entry e : entries) {
            if (e.table != null ? tableMatches(e.table, d) : nameMatches(e.domain, d)) {
                return !e.negated;
            }
        }
        return false;
    }

    /** Whether the list has no entries. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    private boolean nameMatches(String listed, String d) {
        if (listed.startsWith(".")) {
            return d.endsWith(listed);
        }
        return d.equals(listed) || (parentMatchesSubdomains && d.endsWith("." + listed));
    }

    private boolean tableMatches(LookupTable table, String d) {
        if (table.lookup(d).isPresent()) {
            return true;
        }
        if (!parentMatchesSubdomains) {
            return false;
        }
        for (int dot = d.indexOf('.'); dot >= 0; dot = d.indexOf('.', dot + 1)) {
            if (table.lookup(d.substring(dot + 1)).isPresent() || table.lookup(d.substring(dot)).isPresent()) {
                return true;
            }
        }
        return false;
    }
}
