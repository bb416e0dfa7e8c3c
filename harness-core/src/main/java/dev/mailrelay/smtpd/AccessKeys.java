package dev.mailrelay.smtpd;

import dev.mailrelay.tables.LookupTable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * The keys smtpd_check tries in an access(5) table, in Postfix's order. Tables that take only full
 * keys (regexp, pcre, cidr) get the one full query.
 */
final class AccessKeys {

    private AccessKeys() {
    }

    /**
     * check_sender_access / check_recipient_access, as mail_addr_find() with smtpd's strategy:
     * user+ext@domain, user@domain (the extension stripped at the first {@code recipient_delimiter}
     * character), the domain and its parent domains (parent_domain_matches_subdomains includes
     * smtpd_access_maps by default), then user+ext@ and user@.
     */
    static Optional<String> mail(LookupTable table, String address, String recipientDelimiter) {
        // The null sender is looked up as smtpd_null_access_lookup_key, "<>".
        String addr = address.isEmpty() ? "<>" : address.toLowerCase(Locale.ROOT);
        Optional<String> hit = table.lookup(addr);
        if (hit.isPresent() || !table.partialAddressKeys() || address.isEmpty()) {
            return hit;
        }
        int at = addr.lastIndexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        String local = addr.substring(0, at);
        String bare = null;
        for (int i = 0; i < local.length() && !recipientDelimiter.isEmpty(); i++) {
            if (recipientDelimiter.indexOf(local.charAt(i)) >= 0) {
                bare = local.substring(0, i);
                break;
            }
        }
        if (bare != null && !bare.isEmpty()) {
            hit = table.lookup(bare + addr.substring(at));
            if (hit.isPresent()) {
                return hit;
            }
        }
        hit = domainAndParents(table, addr.substring(at + 1));
        if (hit.isPresent()) {
            return hit;
        }
        hit = table.lookup(local + "@");
        if (hit.isPresent() || bare == null || bare.isEmpty()) {
            return hit;
        }
        return table.lookup(bare + "@");
    }

    /** check_helo_access: the name and its parent domains. */
    static Optional<String> domain(LookupTable table, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return table.partialAddressKeys() ? domainAndParents(table, n) : table.lookup(n);
    }

    /** check_client_access: the address, then (IPv4) its shorter octet prefixes. */
    static Optional<String> client(LookupTable table, InetAddress client) {
        String addr = client.getHostAddress();
        Optional<String> hit = table.lookup(addr);
        if (hit.isPresent() || !table.partialAddressKeys() || !(client instanceof Inet4Address)) {
            return hit;
        }
        for (int dot = addr.lastIndexOf('.'); dot > 0; dot = addr.lastIndexOf('.', dot - 1)) {
            hit = table.lookup(addr.substring(0, dot));
            if (hit.isPresent()) {
                return hit;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> domainAndParents(LookupTable table, String domain) {
        for (String d = domain; !d.isEmpty(); ) {
            Optional<String> hit = table.lookup(d);
            if (hit.isPresent()) {
                return hit;
            }
            int dot = d.indexOf('.');
            d = dot < 0 ? "" : d.substring(dot + 1);
        }
        return Optional.empty();
    }
}
