package dev.mailrelay.tables;

import dev.mailrelay.config.ConfigException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A client network list as {@code mynetworks} and {@code smtpd_sasl_exceptions_networks} take it
 * (Postfix's addr_match_list): {@code network/prefix} patterns in cidr_table(5) syntax, each may
 * be negated with {@code !}, and {@code type:table} lookups of the client address. The first
 * matching entry decides.
 *
 * <pre>{@code
 * NetworkList mynetworks = NetworkList.parse(params.list("mynetworks"), "mynetworks", baseDir);
 * boolean trusted = mynetworks.matches(socket.getInetAddress());
 * }</pre>
 */
public final class NetworkList {

    private record Entry(CidrPattern pattern, LookupTable table) {
    }

    private final List<Entry> entries;

    private NetworkList(List<Entry> entries) {
        this.entries = entries;
    }

    /** Parses the items of the named parameter's value. */
    public static NetworkList parse(List<String> items, String parameter, Path baseDirectory) {
        List<Entry> entries = new ArrayList<>();
        for (String item : items) {
            if (item.indexOf(':') > 0 && !item.startsWith("[") && !item.startsWith("!") && isTableSpec(item)) {
                entries.add(new Entry(null, Tables.open(item, baseDirectory)));
                continue;
            }
            try {
                entries.add(new Entry(CidrPattern.parse(item), null));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(null, 0, parameter, e.getMessage());
            }
        }
        return new NetworkList(List.copyOf(entries));
    }

    /** Whether the address is in the list. */
    public boolean matches(InetAddress address) {
        byte[] a = address.getAddress();
        for (Entry e : entries) {
            if (e.table != null) {
                if (e.table.lookup(address.getHostAddress()).isPresent()) {
                    return true;
                }
            } else if (e.pattern.contains(a)) {
                // Postfix's match lists: a negated pattern that matches ends the search with "no".
                return !e.pattern.negated();
            }
        }
        return false;
    }

    // An IPv6 address also contains ':'; a table spec starts with a type name.
    private static boolean isTableSpec(String item) {
        String type = item.substring(0, item.indexOf(':'));
        return type.chars().allMatch(c -> Character.isLetter(c) || c == '_');
    }
}
