package dev.mailrelay.tables;

import dev.mailrelay.config.LogicalLines;

/** One cidr_table(5) address pattern: {@code [!...]network[/prefix]}, with optional brackets. */
final class CidrPattern {
    private final byte[] network;
    private final int prefix;
    private final boolean match;

    private CidrPattern(byte[] network, int prefix, boolean match) {
        this.network = network;
        this.prefix = prefix;
        this.match = match;
    }

    /**
     * Parses a pattern, with leading whitespace and {@code !} negations.
     *
     * @throws IllegalArgumentException with Postfix's cidr_match_parse() wording
     */
    static CidrPattern parse(String text) {
        boolean match = true;
        int i = 0;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '!') {
                match = !match;
            } else if (!LogicalLines.isSpace(c)) {
                break;
            }
        }
        String pattern = LogicalLines.trimTrailing(text.substring(i));
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("no address pattern");
        }
        String address = pattern;
        String mask = null;
        if (pattern.startsWith("[")) {
            int close = pattern.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' character after \"" + pattern + "\"");
            }
            address = pattern.substring(1, close);
            String rest = pattern.substring(close + 1);
            if (rest.startsWith("/")) {
                mask = rest.substring(1);
            } else if (!rest.isEmpty()) {
                throw new IllegalArgumentException("garbage after \"" + pattern.substring(0, close + 1) + "\"");
            }
        } else if (pattern.indexOf('/') >= 0) {
            address = pattern.substring(0, pattern.indexOf('/'));
            mask = pattern.substring(pattern.indexOf('/') + 1);
        }
        byte[] network = IpAddresses.parse(address);
        int bits = IpAddresses.isIpv6(address) ? 128 : 32;
        if (mask == null) {
            if (network == null) {
                throw new IllegalArgumentException("bad address pattern: \"" + address + "\"");
            }
            return new CidrPattern(network, bits, match);
        }
        String where = " in \"" + address + "/" + mask + "\"";
        if (mask.isEmpty() || !mask.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad mask value" + where);
        }
        int prefix = mask.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(mask);
        if (prefix > bits) {
            throw new IllegalArgumentException("bad mask length" + where);
        }
        if (network == null) {
            throw new IllegalArgumentException("bad network value" + where);
        }
        for (int bit = prefix; bit < bits; bit++) {
            if (bitAt(network, bit)) {
                throw new IllegalArgumentException("non-null host address bits" + where);
            }
        }
        return new CidrPattern(network, prefix, match);
    }

    /** Whether {@code address} (4 or 16 bytes) is in the network, after negation; other family never. */
    boolean matches(byte[] address) {
        return address.length == network.length && contains(address) == match;
    }

    /** Whether {@code address} is of this pattern's family and inside its network, ignoring negation. */
    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            if (bitAt(address, bit) != bitAt(network, bit)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the pattern was negated with {@code !}. */
    boolean negated() {
        return !match;
    }

    private static boolean bitAt(byte[] bytes, int bit) {
        return (bytes[bit / 8] & (0x80 >> (bit % 8))) != 0;
    }
}
