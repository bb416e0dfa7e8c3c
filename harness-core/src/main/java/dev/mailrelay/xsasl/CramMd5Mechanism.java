package dev.mailrelay.xsasl;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Set;

/**
 * CRAM-MD5 (RFC 2195). The challenge has Cyrus' shape {@code <random.timestamp@serverFQDN>}; the
 * response is {@code user SP hex(HMAC-MD5(password, challenge))}.
 *
 * <pre>{@code
 * ServerMechanism cram = new CramMd5Mechanism();
 * }</pre>
 */
public final class CramMd5Mechanism implements ServerMechanism, ClientMechanism {
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOANONYMOUS, SecurityFlag.NOPLAINTEXT);

    @Override
    public String name() {
        return "CRAM-MD5";
    }

    @Override
    public Set<SecurityFlag> flags() {
        return FLAGS;
    }

    @Override
    public ServerMechanism.Exchange newExchange(ServerContext context) {
        return new ServerMechanism.Exchange() {
            private byte[] challenge;
            private String username;

            @Override
            public Step step(byte[] in) throws SaslFailure {
                if (challenge == null) {
                    if (in != null && in.length > 0) {
                        throw CyrusStatus.BADPROT.failure();   // server-first mechanism
                    }
                    long random = SaslBytes.randomUnsigned32();
                    challenge = SaslBytes.utf8("<" + random + "." + System.currentTimeMillis() / 1000
                            + "@" + context.serverFqdn() + ">");
                    return Step.more(challenge.clone());
                }
                int space = lastIndexOf(in, (byte) ' ');
                if (space < 0 || in.length - space - 1 != 32) {
                    throw CyrusStatus.BADPROT.failure();
                }
                String user = context.canonical(SaslBytes.utf8(in, 0, space));
                char[] password = null;
                try {
                    password = context.password(user);
                    byte[] expected = SaslBytes.utf8(SaslBytes.hex(hmacMd5(password, challenge)));
                    byte[] given = java.util.Arrays.copyOfRange(in, space + 1, in.length);
                    if (!MessageDigest.isEqual(expected, given)) {
                        throw CyrusStatus.BADAUTH.failure();
                    }
                } finally {
                    SaslBytes.clear(password);
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

    private static int lastIndexOf(byte[] b, byte value) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    static byte[] hmacMd5(char[] password, byte[] challenge) {
        byte[] key = SaslBytes.utf8(password);
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacMD5"));
            return mac.doFinal(challenge);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacMD5 unavailable", e);
        } finally {
            SaslBytes.clear(key);
        }
    }

    @Override
    public boolean usableWith(ClientCredentials credentials) {
        return credentials.hasPassword();
    }

    @Override
    public ClientMechanism.Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn) {
        return new ClientMechanism.Exchange() {
            private boolean answered;

            @Override
            public byte[] initialResponse() {
                return null;
            }

            @Override
            public boolean complete() {
                return answered;
            }

            @Override
            public byte[] evaluate(byte[] challenge) {
                answered = true;
                char[] password = credentials.passwordCopy();
                try {
                    return SaslBytes.utf8(credentials.username() + " " + SaslBytes.hex(hmacMd5(password, challenge)));
                } finally {
                    SaslBytes.clear(password);
                }
            }
        };
    }
}
