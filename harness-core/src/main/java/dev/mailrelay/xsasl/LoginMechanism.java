package dev.mailrelay.xsasl;

import java.util.EnumSet;
import java.util.Set;

/**
 * LOGIN (draft-murchison-sasl-login), as Cyrus' login plugin: challenges {@code "Username:"} and
 * {@code "Password:"}. Like Cyrus, the server accepts the user name as an initial response and then
 * asks for the password only.
 *
 * <pre>{@code
 * ServerMechanism login = new LoginMechanism();
 * }</pre>
 */
public final class LoginMechanism implements ServerMechanism, ClientMechanism {
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOANONYMOUS, SecurityFlag.PASS_CREDENTIALS);
    private static final byte[] USERNAME = SaslBytes.utf8("Username:");
    private static final byte[] PASSWORD = SaslBytes.utf8("Password:");

    @Override
    public String name() {
        return "LOGIN";
    }

    @Override
    public Set<SecurityFlag> flags() {
        return FLAGS;
    }

    @Override
    public ServerMechanism.Exchange newExchange(ServerContext context) {
        return new ServerMechanism.Exchange() {
            private String login;      // null until the client named the user
            private boolean asked;     // whether "Username:" was sent
            private String username;

            @Override
            public Step step(byte[] in) throws SaslFailure {
                if (login == null) {
                    if (in == null || (!asked && in.length == 0)) {
                        asked = true;
                        return Step.more(USERNAME.clone());
                    }
                    login = SaslBytes.utf8(in, 0, in.length);
                    return Step.more(PASSWORD.clone());
                }
                String user = context.canonical(login);
                context.verifyPassword(user, SaslBytes.chars(in, 0, in.length));
                username = user;
                return Step.success(null);
            }

            @Override
            public String username() {
                return username;
            }
        };
    }

    @Override
    public boolean usableWith(ClientCredentials credentials) {
        return credentials.hasPassword();
    }

    @Override
    public ClientMechanism.Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn) {
        return new ClientMechanism.Exchange() {
            private int answered;

            @Override
            public byte[] initialResponse() {
                return null;   // Cyrus' LOGIN client is server-first
            }

            /** Cyrus' LOGIN client answers the first challenge with the user, the second with the password, whatever they say. */
            @Override
            public boolean complete() {
                return answered == 2;
            }

            @Override
            public byte[] evaluate(byte[] challenge) {
                if (answered++ == 0) {
                    return SaslBytes.utf8(credentials.username());
                }
                char[] password = credentials.passwordCopy();
                try {
                    return SaslBytes.utf8(password);
                } finally {
                    SaslBytes.clear(password);
                }
            }
        };
    }
}
