package dev.mailrelay.xsasl;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What OAUTHBEARER and XOAUTH2 share: a client-first message carrying a user name and a bearer token,
 * checked against {@code mailrelay_sasl_oauth_tokens} (token -> login); on failure a JSON error
 * challenge, one dummy client response, then failure. Neither is a Cyrus 2.1.28 plugin; the flags are
 * those of the other password-passing mechanisms (PLAIN, LOGIN).
 */
abstract sealed class BearerTokenMechanism implements ServerMechanism, ClientMechanism
        permits OAuthBearerMechanism, XOAuth2Mechanism {
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOANONYMOUS, SecurityFlag.PASS_CREDENTIALS);

    /** The user name (possibly empty) and token a client message carries. */
    record Bearer(String user, char[] token) {
        @Override
        public String toString() {
            return "Bearer[user=" + user + ", token=(hidden)]";
        }
    }

    /** Parses the client's message; BADPROT when malformed. */
    abstract Bearer parse(byte[] message) throws SaslFailure;

    /** The client's message. */
    abstract byte[] format(String user, char[] token);

    /** The JSON error challenge. */
    abstract String errorJson();

    /** The client's reply to the error challenge. */
    abstract byte[] dummyResponse();

    @Override
    public Set<SecurityFlag> flags() {
        return FLAGS;
    }

    @Override
    public ServerMechanism.Exchange newExchange(ServerContext context) {
        return new ServerMechanism.Exchange() {
            private boolean errorSent;
            private String username;

            @Override
            public Step step(byte[] in) throws SaslFailure {
                if (errorSent) {
                    throw (java.util.Arrays.equals(in, dummyResponse()) ? CyrusStatus.BADAUTH : CyrusStatus.BADPROT)
                            .failure();
                }
                if (in == null) {
                    return Step.more(new byte[0]);
                }
                Bearer bearer = parse(in);
                String token = new String(bearer.token());
                SaslBytes.clear(bearer.token());
                Optional<String> owner = context.tokenOwner(token);
                if (owner.isPresent() && (bearer.user().isEmpty()
                        || context.canonical(bearer.user()).equals(context.canonical(owner.get())))) {
                    username = context.canonical(owner.get());
                    return Step.success(null);
                }
                errorSent = true;
                return Step.more(SaslBytes.utf8(errorJson()));
            }

            @Override
            public String username() {
                return username;
            }
        };
    }

    @Override
    public boolean usableWith(ClientCredentials credentials) {
        return credentials.hasBearerToken();
    }

    @Override
    public ClientMechanism.Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn) {
        return new ClientMechanism.Exchange() {
            @Override
            public byte[] initialResponse() {
                char[] token = credentials.bearerTokenCopy();
                try {
                    return format(credentials.username(), token);
                } finally {
                    SaslBytes.clear(token);
                }
            }

            @Override
            public byte[] evaluate(byte[] challenge) {
                return challenge.length == 0 ? initialResponse() : dummyResponse();
            }
        };
    }

    /** Extracts the token from an {@code auth=Bearer <token>} value; BADPROT otherwise. */
    static char[] bearerToken(String auth) throws SaslFailure {
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() == 7) {
            throw CyrusStatus.BADPROT.failure();
        }
        return auth.substring(7).toCharArray();
    }
}
