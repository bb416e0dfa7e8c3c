package dev.mailrelay.tables;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Postfix's mail_addr_find() with the default strategy: searches tables for an email address and
 * the partial keys derived from it. Each step searches all tables before the next step begins:
 * <ol>
 *   <li>{@code user+ext@domain} — every table, including regexp, pcre and cidr;</li>
 *   <li>{@code user@domain} — only when a delimiter is set and the address has an extension;</li>
 *   <li>{@code user+ext}, then {@code user} — only when the domain is local;</li>
 *   <li>{@code @domain}.</li>
 * </ol>
 * Steps 2-4 use only tables with {@link LookupTable#partialAddressKeys()}. An address without
 * {@code @} is looked up as step 1 and, without its extension, step 2. The null address
 * ({@code ""}) finds nothing. The address is used as given: no case folding (the tables do that)
 * and no RFC 5322 quoting of the local part.
 *
 * <pre>{@code
 * Optional<String> owner = AddressLookup.find(tables, "joe+list@example.com", "+",
 *         domain -> domain.equalsIgnoreCase("example.com"));
 * }</pre>
 */
public final class AddressLookup {
    private AddressLookup() {
    }

    /**
     * @param recipientDelimiter Postfix's recipient_delimiter: any of its characters ends the user
     *     part (Postfix 2.11); {@code null} or empty disables extension stripping
     * @param isLocalDomain whether the domain is local: myorigin, mydestination, or an address of this
     *     host (Postfix's resolve_local()); the caller decides
     */
    public static Optional<String> find(List<LookupTable> tables, String address, String recipientDelimiter,
            Predicate<String> isLocalDomain) {
        String bare = stripExtension(address, recipientDelimiter == null ? "" : recipientDelimiter);
        Optional<String> result = Tables.find(tables, address, false);
        if (result.isEmpty() && bare != null) {
            result = Tables.find(tables, bare, true);
        }
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return result;
        }
        String domain = address.substring(at + 1);
        if (result.isEmpty() && isLocalDomain.test(domain)) {
            result = Tables.find(tables, address.substring(0, at), true);
            if (result.isEmpty() && bare != null) {
                result = Tables.find(tables, bare.substring(0, bare.lastIndexOf('@')), true);
            }
        }
        return result.isPresent() ? result : Tables.find(tables, address.substring(at), true);
    }

    /** {@link #find(List, String, String, Predicate)} for a single table. */
    public static Optional<String> find(LookupTable table, String address, String recipientDelimiter,
            Predicate<String> isLocalDomain) {
        return find(List.of(table), address, recipientDelimiter, isLocalDomain);
    }

    /**
     * Postfix's strip_addr(): the address without its extension, or {@code null} when there is none to
     * strip. Like split_addr(), it never splits postmaster, MAILER-DAEMON or double-bounce, nor (when
     * '-' is a delimiter) owner-foo or foo-request, nor a local part that would become empty.
     */
    static String stripExtension(String address, String delimiters) {
        if (delimiters.isEmpty()) {
            return null;
        }
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String lower = local.toLowerCase(Locale.ROOT);
        if (lower.equals("postmaster") || lower.equals("mailer-daemon") || lower.equals("double-bounce")) {
            return null;
        }
        if (delimiters.indexOf('-') >= 0
                && (lower.startsWith("owner-") || (lower.length() > 8 && lower.endsWith("-request")))) {
            return null;
        }
        int split = 0;
        while (split < local.length() && delimiters.indexOf(local.charAt(split)) < 0) {
            split++;
        }
        if (split == 0 || split == local.length()) {
            return null;
        }
        return local.substring(0, split) + (at < 0 ? "" : address.substring(at));
    }
}
