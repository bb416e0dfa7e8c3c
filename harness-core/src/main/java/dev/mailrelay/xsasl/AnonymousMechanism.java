package dev.mailrelay.xsasl;

import java.util.EnumSet;
import java.util.Set;

/**
 * ANONYMOUS (RFC 4505): the client sends an optional trace token (Cyrus logs it); the session's user
 * is always {@code anonymous}.
 *
 * <pre>{@code
 * ServerMechanism anonymous = new AnonymousMechanism();
 * }</pre>
 */
public final class AnonymousMechanism implements ServerMechanism, ClientMechanism {
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOPLAINTEXT);

    @Override
    public String name() {
        return "ANONYMOUS";
    }

    @Override
    public Set<SecurityFlag> flags() {
        return FLAGS;
    }

    @Override
    public ServerMechanism.Exchange newExchange(ServerContext context) {
        return new ServerMechanism.Exchange() {
            private String username;

            @Override
            public Step step(byte[] in) {
                if (in == null) {
                    return Step.more(new byte[0]);
                }
                username = "anonymous";
                return Step.success(null);
            }

            @Override
            public String username() {
                return username;
            }
        };
    }

    /** gethostname(), as Cyrus' plugin asks it, looked up once. */
    private static final class LocalHost {
        static final String NAME = name();

        private static String name() {
            try {
                // getLocalHost() names the address with gethostname()'s answer.
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                return "localhost";
            }
        }
    }

    @Override
    public boolean usableWith(ClientCredentials credentials) {
        return true;
    }

    @Override
    public ClientMechanism.Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn) {
        return new ClientMechanism.Exchange() {
            @Override
            public byte[] initialResponse() {
                // Cyrus' anonymous plugin: the trace is the SASL_CB_USER id, which Postfix provides only
                // with smtp_cyrus_sasl_authzid (not implemented, default no), so "anonymous", then
                // "@" and gethostname(); never the login.
                return SaslBytes.utf8("anonymous@" + LocalHost.NAME);
            }

            @Override
            public byte[] evaluate(byte[] challenge) {
                return initialResponse();
            }

            /** Done with the trace sent as initial response. */
            @Override
            public boolean complete() {
                return true;
            }
        };
    }
}
