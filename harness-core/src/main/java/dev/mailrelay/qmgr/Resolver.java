package dev.mailrelay.qmgr;

import dev.mailrelay.config.Parameters;
import dev.mailrelay.global.ResolveLocal;
import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tables.DomainList;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Tables;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Postfix's trivial-rewrite resolve step: which transport and next hop a recipient goes to.
 * {@code transport_maps} first (address, domain, {@code .parent} domains, {@code *}); then local
 * ({@code mydestination}, {@code local_transport}), {@code relay_domains} ({@code relay_transport})
 * or everything else ({@code default_transport}); the next hop of the non-local classes is
 * {@code sender_dependent_relayhost_maps}, else {@code relayhost}, else the recipient domain.
 *
 * <pre>{@code
 * Resolver.Route r = resolver.resolve("alice@box.local", "bob@example.com");
 * // Route[transport=smtp, nextHop=[mail.isp.example]:submission]
 * }</pre>
 */
public final class Resolver {

    /** Where a recipient goes. */
    public record Route(String transport, String nextHop) {
    }

    /** The transport parameters Postfix's trivial-rewrite reads, each naming a delivery agent. */
    static final List<String> TRANSPORT_PARAMETERS = List.of("default_transport", "relay_transport", "local_transport");

    private final List<LookupTable> transportMaps;
    private final List<LookupTable> senderRelayhostMaps;
    private final ResolveLocal local;
    private final DomainList relayDomains;
    private final String myhostname;
    private final String relayhost;
    private final String emptyAddressKey;
    private final String recipientDelimiter;
    private final Route localTransport;
    private final Route relayTransport;
    private final Route defaultTransport;

    public Resolver(Parameters params, Path baseDirectory) {
        this.transportMaps = params.parsed("transport_maps", v -> Tables.openList(v, baseDirectory));
        this.senderRelayhostMaps = params.parsed("sender_dependent_relayhost_maps",
                v -> Tables.openList(v, baseDirectory));
        this.local = new ResolveLocal(params, baseDirectory);
        this.relayDomains = params.parsed("relay_domains",
                v -> DomainList.parse(Parameters.split(v), baseDirectory, true));
        this.myhostname = params.get("myhostname");
        this.relayhost = params.get("relayhost").strip();
        this.emptyAddressKey = params.get("empty_address_relayhost_maps_lookup_key");
        this.recipientDelimiter = params.get("recipient_delimiter");
        this.localTransport = split(params.get("local_transport"), myhostname);
        this.relayTransport = split(params.get("relay_transport"), null);
        this.defaultTransport = split(params.get("default_transport"), null);
    }

    /** The delivery agent each of {@link #TRANSPORT_PARAMETERS} names, for the queue manager to check. */
    Map<String, String> configuredTransports() {
        return Map.of("local_transport", localTransport.transport(), "relay_transport", relayTransport.transport(),
                "default_transport", defaultTransport.transport());
    }

    /** Whether a domain is local: resolve_local(), as trivial-rewrite's resolve_addr() asks it. */
    public boolean isLocal(String domain) {
        return domain == null || local.matches(domain);
    }

    /** The route of one recipient of a message from {@code sender}. */
    public Route resolve(String sender, String recipient) {
        String domain = domainOf(recipient);
        Route defaultRoute;
        if (isLocal(domain)) {
            defaultRoute = localTransport;
        } else {
            String relayhost = relayhost(sender);
            String nextHop = relayhost.isEmpty() ? domain : relayhost;
            Route transport = relayDomains.matches(domain) ? relayTransport : defaultTransport;
            defaultRoute = new Route(transport.transport(),
                    transport.nextHop() != null ? transport.nextHop() : nextHop);
        }
        Optional<String> mapped = transportLookup(recipient, domain);
        if (mapped.isEmpty()) {
            return defaultRoute;
        }
        Route m = split(mapped.get(), null);
        // An empty transport or next hop in the table keeps the default one (transport(5)).
        return new Route(m.transport().isEmpty() ? defaultRoute.transport() : m.transport(),
                m.nextHop() == null || m.nextHop().isEmpty() ? defaultRoute.nextHop() : m.nextHop());
    }

    /**
     * The route of a recipient of a message with a content filter (an access table's FILTER
     * {@code transport:destination}): every recipient goes to that transport; an empty destination is
     * the recipient's domain, as Postfix's empty default_filter_nexthop.
     */
    public Route filter(String filter, String recipient) {
        Route r = split(filter, null);
        String domain = domainOf(recipient);
        return new Route(r.transport(), r.nextHop() != null ? r.nextHop() : domain != null ? domain : myhostname);
    }

    private String relayhost(String sender) {
        if (!senderRelayhostMaps.isEmpty()) {
            Optional<String> hop = sender.isEmpty() ? Tables.find(senderRelayhostMaps, emptyAddressKey)
                    : AddressLookup.find(senderRelayhostMaps, sender, recipientDelimiter, this::isLocal);
            if (hop.isPresent()) {
                return hop.get().strip();
            }
        }
        return relayhost;
    }

    private Optional<String> transportLookup(String recipient, String domain) {
        if (transportMaps.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> hit = Tables.find(transportMaps, recipient.toLowerCase(Locale.ROOT));
        if (hit.isPresent() || domain == null) {
            return hit;
        }
        hit = Tables.find(transportMaps, domain);
        for (int dot = domain.indexOf('.'); hit.isEmpty() && dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            hit = Tables.find(transportMaps, domain.substring(dot));
        }
        return hit.isPresent() ? hit : Tables.find(transportMaps, "*");
    }

    /** {@code transport:nexthop}; a bare {@code [host]} or {@code host:port} is not a transport. */
    private static Route split(String value, String defaultNextHop) {
        String v = value.strip();
        int colon = v.indexOf(':');
        if (colon < 0) {
            return new Route(v, defaultNextHop);
        }
        String hop = v.substring(colon + 1);
        return new Route(v.substring(0, colon), hop.isEmpty() ? defaultNextHop : hop);
    }

    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? null : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}
