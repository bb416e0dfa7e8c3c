package dev.mailrelay.smtp;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.config.Service;
import java.util.ArrayList;
import java.util.List;

/**
 * A next-hop destination as {@code relayhost}, {@code transport_maps} and
 * {@code sender_dependent_relayhost_maps} write it: {@code host}, {@code host:port}, {@code [host]},
 * {@code [host]:port}, the port a number or a service name; brackets suppress the MX lookup.
 * {@link #destination()} keeps the text as written, because {@code smtp_sasl_password_maps} is
 * searched with exactly that form.
 *
 * <pre>{@code
 * NextHop hop = NextHop.parse("[mail.isp.example]:submission");
 * hop.host();      // mail.isp.example
 * hop.port();      // 587
 * hop.mxLookup();  // false
 * }</pre>
 *
 * @param destination the destination as written
 * @param host        the host name or address, without brackets
 * @param port        the TCP port (25 unless given)
 * @param mxLookup    whether to look up MX records (no brackets)
 */
public record NextHop(String destination, String host, int port, boolean mxLookup) {

    /** Parses one destination. */
    public static NextHop parse(String destination) {
        String d = destination.strip();
        String host;
        String port = null;
        boolean mx = true;
        if (d.startsWith("[")) {
            int close = d.indexOf(']');
            if (close < 0) {
                throw new ConfigException("bad next-hop destination: " + destination);
            }
            host = d.substring(1, close);
            mx = false;
            String rest = d.substring(close + 1);
            if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else if (!rest.isEmpty()) {
                throw new ConfigException("bad next-hop destination: " + destination);
            }
        } else {
            int colon = d.lastIndexOf(':');
            host = colon < 0 ? d : d.substring(0, colon);
            port = colon < 0 ? null : d.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new ConfigException("bad next-hop destination: " + destination);
        }
        return new NextHop(d, host, port == null ? 25 : Service.port(port, null, 0), mx);
    }

    /** Parses a list of destinations ({@code relayhost = [a]:587, [b]:587}), tried in order. */
    public static List<NextHop> parseList(String value) {
        List<NextHop> hops = new ArrayList<>();
        for (String d : Parameters.split(value)) {
            hops.add(parse(d));
        }
        return hops;
    }
}
