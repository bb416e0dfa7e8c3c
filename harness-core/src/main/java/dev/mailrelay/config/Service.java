package dev.mailrelay.config;

import java.util.List;
import java.util.Map;

/**
 * One {@code master.cf} service. For {@code inet} services the name is the listening endpoint:
 * {@code [host:]port}, where port is a number or a service name ({@code smtp}, {@code submission},
 * {@code smtps}, {@code submissions}).
 *
 * @param name      the first column, e.g. {@code submission} or {@code 127.0.0.1:2525}
 * @param type      {@code inet}, {@code unix}, ...
 * @param command   the command column, e.g. {@code smtpd}
 * @param overrides the {@code -o name=value} parameter overrides, in order
 * @param source    the file it was read from
 * @param line      the line the entry starts on
 */
public record Service(String name, String type, String command, List<Parameter> overrides,
                      String source, int line) {

    private static final Map<String, Integer> WELL_KNOWN_PORTS =
            Map.of("smtp", 25, "submission", 587, "smtps", 465, "submissions", 465);

    /** Whether this service is an SMTP server listening on TCP. */
    public boolean isSmtpdListener() {
        return type.equals("inet") && command.equals("smtpd");
    }

    /** The host part of an inet endpoint, or {@code null} when only a port is named. */
    public String host() {
        int colon = name.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String host = name.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The service part of an inet endpoint: {@code submission} for {@code 127.0.0.1:submission}. */
    public String serviceName() {
        int colon = name.lastIndexOf(':');
        return colon < 0 ? name : name.substring(colon + 1);
    }

    /** The TCP port of an inet endpoint, resolving well-known service names. */
    public int port() {
        return port(serviceName(), source, line);
    }

    /** Resolves a port number or one of the mail service names Postfix uses. */
    public static int port(String service, String source, int line) {
        Integer known = WELL_KNOWN_PORTS.get(service);
        if (known != null) {
            return known;
        }
        try {
            int port = Integer.parseInt(service);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error naming the service
        }
        throw new ConfigException(source, line, null, "unknown service: " + service + "/tcp");
    }
}
