package dev.mailrelay.xsasl;

import java.util.List;
import java.util.Optional;

/**
 * The built-in mechanisms in the order Cyrus 2.1.28 advertises them (its {@code mech_compare} strength
 * order, as seen in Postfix 3.7's {@code 250-AUTH SCRAM-SHA-512 SCRAM-SHA-384 SCRAM-SHA-256 SCRAM-SHA-224
 * SCRAM-SHA-1 DIGEST-MD5 CRAM-MD5 NTLM PLAIN LOGIN}; NTLM and EXTERNAL are not implemented). The OAuth
 * mechanisms, not Cyrus plugins, rank with PLAIN and LOGIN and follow them.
 *
 * <pre>{@code
 * Optional<ServerMechanism> plain = Mechanisms.server("plain");
 * }</pre>
 */
public final class Mechanisms {
    private static final List<Object> ALL = List.of(
            ScramMechanism.sha512(), ScramMechanism.sha384(), ScramMechanism.sha256(), ScramMechanism.sha224(),
            ScramMechanism.sha1(), new DigestMd5Mechanism(), new CramMd5Mechanism(), new PlainMechanism(),
            new LoginMechanism(), new OAuthBearerMechanism(), new XOAuth2Mechanism(), new AnonymousMechanism());

    private Mechanisms() {
    }

    /** All server mechanisms, strongest first. */
    public static List<ServerMechanism> servers() {
        return ALL.stream().map(ServerMechanism.class::cast).toList();
    }

    /** The names of all server mechanisms, strongest first, as error messages list what mailrelay implements. */
    public static List<String> serverNames() {
        return servers().stream().map(ServerMechanism::name).toList();
    }

    /** All client mechanisms, strongest first. */
    public static List<ClientMechanism> clients() {
        return ALL.stream().map(ClientMechanism.class::cast).toList();
    }

    /** A server mechanism by case-insensitive name. */
    public static Optional<ServerMechanism> server(String name) {
        return servers().stream().filter(m -> m.name().equalsIgnoreCase(name)).findFirst();
    }

    /** A client mechanism by case-insensitive name. */
    public static Optional<ClientMechanism> client(String name) {
        return clients().stream().filter(m -> m.name().equalsIgnoreCase(name)).findFirst();
    }
}
