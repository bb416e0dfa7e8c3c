package dev.mailrelay.tables;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Strict IP address literals, as inet_pton(3) accepts them; never a DNS lookup. */
final class IpAddresses {
    private IpAddresses() {
    }

    /** Postfix picks the family by the presence of a colon (CIDR_MATCH_ADDR_FAMILY). */
    static boolean isIpv6(String text) {
        return text.indexOf(':') >= 0;
    }

    /** The 4 or 16 address bytes, or {@code null} when {@code text} is not an address literal. */
    static byte[] parse(String text) {
        return isIpv6(text) ? parseIpv6(text) : parseIpv4(text);
    }

    /** Dotted quad only; like glibc, no leading zeros (so no octal surprises). */
    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    private static byte[] parseIpv6(String text) {
        // Only hex digits, colons and dots: keeps out brackets, zone ids and host names.
        if (!text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return null;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            // Java turns ::ffff:a.b.c.d into an IPv4 address; Postfix keeps it IPv6.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        }
        return bytes;
    }
}
