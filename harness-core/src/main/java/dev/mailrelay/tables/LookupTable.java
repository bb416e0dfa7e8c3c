package dev.mailrelay.tables;

import java.util.List;
import java.util.Optional;

/**
 * One Postfix lookup table ({@code type:name}), as the daemons see it through dict(3): a key goes in,
 * at most one value comes out. Address-shaped keys are searched in Postfix's order by
 * {@link AddressLookup}; this interface answers exactly the key it is given.
 *
 * <pre>{@code
 * LookupTable passwd = Tables.open("hash:sasl_passwd", instanceDirectory);
 * Optional<String> credentials = passwd.lookup("[mail.isp.example]:submission");
 * }</pre>
 */
public interface LookupTable {

    /** The table as it was named, {@code type:name}, for log lines and error messages. */
    String spec();

    /**
     * Looks up one key. Fixed-string tables fold the key to lower case as Postfix does; regexp, pcre
     * and cidr tables match it against their patterns in file order.
     */
    Optional<String> lookup(String key);

    /**
     * Whether the table is searched with partial address keys (user@domain, user, @domain) by
     * {@link AddressLookup}. True for the indexed and fixed-string types; false for regexp, pcre and
     * cidr, which Postfix queries with the full address only.
     */
    boolean partialAddressKeys();

    /**
     * Every result the table can give, in file order, for checks at start (an access table's actions):
     * regexp and pcre results with their {@code $n} substitutions unexpanded. A table built in code
     * that cannot list its results answers an empty list.
     */
    default List<String> results() {
        return List.of();
    }
}
