package dev.mailrelay.global;

import dev.mailrelay.config.Parameters;
import dev.mailrelay.tables.DomainList;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Postfix's {@code resolve_local()}: whether a domain is this host's final destination, either a
 * {@code mydestination} entry or an address literal naming one of the addresses the instance receives
 * mail on ({@code inet_interfaces}, {@code own_inet_addr()}) or is reached through
 * ({@code proxy_interfaces}, {@code proxy_inet_addr()}). Addresses are found when the instance starts.
 * Every daemon asks the same question the same way: smtpd (relay and local recipient checks),
 * cleanup (canonical and virtual lookups), trivial-rewrite (the local transport) and smtp (generic
 * maps, per-sender credentials).
 *
 * <p>Example:
 * <pre>{@code
 * ResolveLocal local = new ResolveLocal(params, instanceDirectory);
 * local.matches("[127.0.0.1]");          // true when inet_interfaces includes 127.0.0.1
 * local.findsLocalPart("example.com");   // true when example.com is $myorigin or local
 * }</pre>
 */
public final class ResolveLocal {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final String myorigin;
    private final DomainList mydestination;
    private final Set<InetAddress> own;

    /**
     * Parses {@code mydestination} (tables relative to {@code baseDirectory}) and resolves the
     * addresses of {@code inet_interfaces} and {@code proxy_interfaces}.
     *
     * @throws dev.mailrelay.config.ConfigException naming the parameter when a value is wrong
     */
    public ResolveLocal(Parameters params, Path baseDirectory) {
        this.myorigin = params.myorigin();
        this.mydestination = params.parsed("mydestination",
                v -> DomainList.parse(Parameters.split(v), baseDirectory, false));
        String protocols = params.get("inet_protocols").toLowerCase(Locale.ROOT);
        boolean ipv4 = protocols.contains("ipv4") || protocols.contains("all");
        boolean ipv6 = protocols.contains("ipv6") || protocols.contains("all");
        Set<InetAddress> addresses = new HashSet<>();
        addresses(params, "inet_interfaces", addresses);
        addresses(params, "proxy_interfaces", addresses);
        addresses.removeIf(a -> a instanceof Inet4Address ? !ipv4 : !ipv6);
        this.own = Set.copyOf(addresses);
    }

    private static void addresses(Parameters params, String name, Set<InetAddress> into) {
        for (String word : params.list(name)) {
            String w = word.toLowerCase(Locale.ROOT);
            try {
                if (w.equals("all") || w.equals("loopback-only")) {
                    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                        if (w.equals("all") || nif.isLoopback()) {
                            Collections.list(nif.getInetAddresses()).forEach(a -> into.add(withoutScope(a)));
                        }
                    }
                } else {
                    for (InetAddress a : InetAddress.getAllByName(w.replaceAll("^\\[|]$", ""))) {
                        into.add(withoutScope(a));
                    }
                }
            } catch (UnknownHostException e) {
                throw params.error(name, "host not found: " + word);
            } catch (SocketException e) {
                throw params.error(name, "cannot list the network interfaces: " + e.getMessage());
            }
        }
    }

    private static InetAddress withoutScope(InetAddress a) {
        try {
            return a instanceof Inet6Address ? InetAddress.getByAddress(a.getAddress()) : a;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);   // a 16-byte address is always valid
        }
    }

    /**
     * {@code mail_addr_find()}'s test before it looks up the bare user part of {@code user@domain}
     * in canonical, virtual, generic, sender login and similar tables: the domain is
     * {@code $myorigin} or {@link #matches local}.
     */
    public boolean findsLocalPart(String domain) {
        return domain.equalsIgnoreCase(myorigin) || matches(domain.toLowerCase(Locale.ROOT));
    }

    /** Whether the domain (lower case, as smtpd passes it) is local. */
    public boolean matches(String domain) {
        String d = domain;
        // Strip one trailing dot but not dot-dot.
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.endsWith(".")) {
            return false;
        }
        if (mydestination.matches(d)) {
            return true;
        }
        if (d.length() < 2 || d.charAt(0) != '[' || d.charAt(d.length() - 1) != ']') {
            return false;
        }
        InetAddress literal = mailhostAddr(d.substring(1, d.length() - 1));
        return literal != null && own.contains(literal);
    }

    /** valid_mailhost_addr(): IPv4 dotted quad, or "IPv6:" and an IPv6 address; numeric only, no DNS. */
    private static InetAddress mailhostAddr(String addr) {
        boolean v6 = addr.regionMatches(true, 0, "ipv6:", 0, 5);
        String bare = v6 ? addr.substring(5) : addr;
        if (v6 ? !IPV6.matcher(bare).matches() : !validIpv4(bare)) {
            return null;
        }
        try {
            InetAddress a = InetAddress.getByName(bare);
            return v6 == (a instanceof Inet6Address) ? withoutScope(a) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean validIpv4(String s) {
        var m = IPV4.matcher(s);
        if (!m.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }
}
