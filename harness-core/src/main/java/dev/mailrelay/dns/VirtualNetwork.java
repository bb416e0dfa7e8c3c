package dev.mailrelay.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The harness's DNS: the names of its own instances ({@code myhostname} and
 * {@code mailrelay_hostnames}) resolve to their loopback listeners, the domains an instance is final
 * destination for ({@code mydestination}) have MX records pointing at it, and the well-known
 * service ports (25, 587, 465, or any number a master.cf names) map to the ports that were really
 * bound. Anything else does not resolve, so mail can never leave the machine.
 *
 * <pre>{@code
 * VirtualNetwork net = new VirtualNetwork();
 * net.register(new VirtualNetwork.Host("isp", List.of("mail.isp.example"), isp::isFinalDestination,
 *         InetAddress.getLoopbackAddress(), Map.of(587, 41234)));
 * List<Endpoint> targets = net.resolve("mail.isp.example", 587, false);   // [mail.isp.example[127.0.0.1]:41234]
 * }</pre>
 */
public final class VirtualNetwork {

    /**
     * One instance as the network sees it.
     *
     * @param instance          the instance name (for messages)
     * @param names             its host names, lower case
     * @param finalDestination  whether it is final destination for a domain (its MX records)
     * @param address           the loopback address it listens on
     * @param ports             nominal port (from master.cf) to bound port
     */
    public record Host(String instance, List<String> names, Predicate<String> finalDestination, InetAddress address,
                       Map<Integer, Integer> ports) {
    }

    /** A name did not resolve; the message is Postfix's. */
    public static final class NotFoundException extends Exception {
        public NotFoundException(String message) {
            super(message, null, false, false);
        }
    }

    private final Map<String, Host> hosts = new ConcurrentHashMap<>();

    /** Adds an instance's names and listeners. */
    public void register(Host host) {
        hosts.put(host.instance(), host);
    }

    /** Removes an instance (it stopped). */
    public void unregister(String instance) {
        hosts.remove(instance);
    }

    /**
     * Resolves a next-hop host: an IP literal on loopback is dialled as is; a name is looked up as an
     * MX (unless {@code mxLookup} is false, Postfix's {@code [brackets]}) with fallback to the A record.
     *
     * @param port the nominal port (25, 587, 465, ...)
     * @throws NotFoundException with Postfix's "Host or domain name not found" text
     */
    public List<Endpoint> resolve(String host, int port, boolean mxLookup) throws NotFoundException {
        String name = host.toLowerCase(Locale.ROOT);
        Optional<InetAddress> literal = loopbackLiteral(name);
        if (literal.isPresent()) {
            Host owner = hosts.values().stream().filter(h -> h.address().equals(literal.get())
                    && h.ports().containsKey(port)).findFirst().orElse(null);
            // A literal is dialled as written (a GreenMail or a real Postfix on loopback), unless it is
            // one of our instances, whose nominal port maps to the bound one.
            return List.of(new Endpoint(name, literal.get(), owner == null ? port : owner.ports().get(port), port));
        }
        List<Host> targets = new ArrayList<>();
        if (mxLookup) {
            hosts.values().stream().filter(h -> h.finalDestination().test(name) && !h.names().contains(name))
                    .forEach(targets::add);
        }
        hosts.values().stream().filter(h -> h.names().contains(name)).forEach(targets::add);
        if (targets.isEmpty()) {
            throw new NotFoundException("Host or domain name not found. Name service error for name=" + host
                    + " type=" + (mxLookup ? "MX" : "A") + ": Host not found");
        }
        List<Endpoint> out = new ArrayList<>();
        for (Host h : targets) {
            Integer bound = h.ports().get(port);
            String shownName = h.names().contains(name) ? name : h.names().get(0);
            out.add(new Endpoint(shownName, h.address(), bound != null ? bound : Endpoint.NOT_LISTENING, port));
        }
        return out;
    }

    /** The first name registered for an address, for Received headers and logs ("unknown" if none). */
    public String nameOf(InetAddress address) {
        return hosts.values().stream().filter(h -> h.address().equals(address)).findFirst()
                .map(h -> h.names().get(0)).orElse("unknown");
    }

    /** Whether {@code s} is not empty and made of {@code allowed} characters (no regex per delivery). */
    private static boolean only(String s, String allowed) {
        for (int i = 0; i < s.length(); i++) {
            if (allowed.indexOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static Optional<InetAddress> loopbackLiteral(String name) {
        String n = name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
        if (n.regionMatches(true, 0, "ipv6:", 0, 5)) {
            n = n.substring(5);
        }
        if (!only(n, "0123456789.") && !only(n, "0123456789abcdef:")) {
            return Optional.empty();
        }
        try {
            InetAddress a = InetAddress.getByName(n);
            // Never dial off the machine: a non-loopback literal does not "resolve".
            return a.isLoopbackAddress() ? Optional.of(a) : Optional.empty();
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }
}
