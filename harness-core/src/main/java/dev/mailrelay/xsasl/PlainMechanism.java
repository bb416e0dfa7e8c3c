package dev.mailrelay.xsasl;

import java.io.ByteArrayOutputStream;
import java.util.EnumSet;
import java.util.Set;

/**
 * PLAIN (RFC 4616): {@code authzid NUL authcid NUL passwd}, as Cyrus' plain plugin. An authzid other
 * than the authenticated user fails; Postfix shows Cyrus' "authentication failure" for it (verified
 * against Postfix 3.7 + Cyrus 2.1.28), not "authorization failure".
 *
 * <pre>{@code
 * ServerMechanism plain = new PlainMechanism();
 * }</pre>
 */
public final class PlainMechanism implements ServerMechanism, ClientMechanism {
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOANONYMOUS, SecurityFlag.PASS_CREDENTIALS);

    @Override
    public String name() {
        return "PLAIN";
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
            public Step step(byte[] in) throws SaslFailure {
                if (in == null) {
                    return Step.more(new byte[0]);   // client-first: Cyrus asks with an empty challenge
                }
                int first = SaslBytes.indexOf(in, (byte) 0, 0);
                int second = first < 0 ? -1 : SaslBytes.indexOf(in, (byte) 0, first + 1);
                if (second < 0) {
                    throw CyrusStatus.BADPROT.failure();
                }
                String authzid = SaslBytes.utf8(in, 0, first);
                String user = context.canonical(SaslBytes.utf8(in, first + 1, second));
                context.verifyPassword(user, SaslBytes.chars(in, second + 1, in.length));
                if (!authzid.isEmpty() && !context.canonical(authzid).equals(user)) {
                    throw CyrusStatus.BADAUTH.failure();
                }
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
            @Override
            public byte[] initialResponse() {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(0);
                out.writeBytes(SaslBytes.utf8(credentials.username()));
                out.write(0);
                char[] password = credentials.passwordCopy();
                byte[] secret = SaslBytes.utf8(password);
                SaslBytes.clear(password);
                out.writeBytes(secret);
                SaslBytes.clear(secret);
                return out.toByteArray();
            }

            @Override
            public byte[] evaluate(byte[] challenge) {
                return initialResponse();
            }

            /** Cyrus' PLAIN client is done with its initial response: a server asking again gets SASL_FAIL. */
            @Override
            public boolean complete() {
                return true;
            }
        };
    }
}
