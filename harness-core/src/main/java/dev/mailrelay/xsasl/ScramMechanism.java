package dev.mailrelay.xsasl;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * SCRAM-SHA-* (RFC 5802, RFC 7677) for every hash Cyrus 2.1.28 ships (SHA-1, -224, -256, -384, -512),
 * without channel binding ({@code n,,} or {@code y,,}; Postfix gives Cyrus no channel binding data).
 * The server salts a user's password as Cyrus does for a sasldb user (a salt per user and hash, stable
 * for the server's life, and Cyrus' default {@code scram_iteration_counter} of 4096; see
 * {@link ScramSecrets}, which keeps the derived StoredKey and ServerKey) and clears the password at once.
 * The server's {@code v=} is final data the caller delivers as an extra challenge.
 *
 * <pre>{@code
 * ServerMechanism scram = ScramMechanism.sha256();
 * }</pre>
 */
public final class ScramMechanism implements ServerMechanism, ClientMechanism {
    /** Cyrus' DEFAULT_ITERATION_COUNTER. */
    static final int DEFAULT_ITERATIONS = 4096;
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOANONYMOUS, SecurityFlag.NOPLAINTEXT,
            SecurityFlag.NOACTIVE, SecurityFlag.MUTUAL_AUTH);

    private final String bits;
    private final Supplier<String> nonces;
    private final int iterations;

    /** Fixed nonces for the RFC test vectors. */
    ScramMechanism(String bits, Supplier<String> nonces, int iterations) {
        this.bits = bits;
        this.nonces = nonces;
        this.iterations = iterations;
    }

    private ScramMechanism(String bits) {
        this(bits, () -> SaslBytes.encode(SaslBytes.random(32)), DEFAULT_ITERATIONS);
    }

    public static ScramMechanism sha1() {
        return new ScramMechanism("1");
    }

    public static ScramMechanism sha224() {
        return new ScramMechanism("224");
    }

    public static ScramMechanism sha256() {
        return new ScramMechanism("256");
    }

    public static ScramMechanism sha384() {
        return new ScramMechanism("384");
    }

    public static ScramMechanism sha512() {
        return new ScramMechanism("512");
    }

    @Override
    public String name() {
        return "SCRAM-SHA-" + bits;
    }

    @Override
    public Set<SecurityFlag> flags() {
        return FLAGS;
    }

    /** The hash output size in bits, Cyrus' SASL_SET_HASH_STRENGTH_BITS tie-breaker. */
    int hashStrength() {
        return bits.equals("1") ? 160 : Integer.parseInt(bits);
    }

    // ---- primitives -------------------------------------------------------------------------------

    private byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA" + bits);
            mac.init(new SecretKeySpec(key, "HmacSHA" + bits));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-" + bits).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SaltedPassword = Hi(password, salt, i); clears {@code password}. */
    byte[] saltedPassword(char[] password, byte[] salt, int count) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, count, hashStrength());
        SaslBytes.clear(password);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA" + bits).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            spec.clearPassword();
        }
    }

    /** A server's salt, iteration count, StoredKey and ServerKey for {@code password}; clears it. */
    ScramSecrets.Keys serverKeys(char[] password, byte[] salt) {
        byte[] salted = saltedPassword(password, salt, iterations);
        try {
            return new ScramSecrets.Keys(salt, iterations, hash(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
        } finally {
            SaslBytes.clear(salted);
        }
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    static String escapeName(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }

    static String unescapeName(String value) throws SaslFailure {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '=') {
                String code = value.startsWith("=2C", i) ? "," : value.startsWith("=3D", i) ? "=" : null;
                if (code == null) {
                    throw CyrusStatus.BADPROT.failure();
                }
                sb.append(code);
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The value of {@code key=} in attribute {@code attr}, or BADPROT. */
    private static String attribute(String attr, char key) throws SaslFailure {
        if (attr.length() < 2 || attr.charAt(0) != key || attr.charAt(1) != '=') {
            throw CyrusStatus.BADPROT.failure();
        }
        return attr.substring(2);
    }

    private static byte[] base64(String value) throws SaslFailure {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw CyrusStatus.BADPROT.failure();
        }
    }

    // ---- server -----------------------------------------------------------------------------------

    @Override
    public ServerMechanism.Exchange newExchange(ServerContext context) {
        return new ServerMechanism.Exchange() {
            private String gs2Header;
            private String authzid;
            private String user;
            private String clientFirstBare;
            private String serverFirst;
            private String nonce;
            private ScramSecrets.Keys keys;
            private String username;

            @Override
            public Step step(byte[] in) throws SaslFailure {
                if (in == null) {
                    return Step.more(new byte[0]);
                }
                String message = SaslBytes.utf8(in, 0, in.length);
                return serverFirst == null ? first(message) : last(message);
            }

            private Step first(String message) throws SaslFailure {
                String[] parts = message.split(",", -1);
                if (parts.length < 4 || !(parts[0].equals("n") || parts[0].equals("y"))) {
                    throw CyrusStatus.BADPROT.failure();   // also "p=": no channel binding offered
                }
                authzid = parts[1].isEmpty() ? "" : unescapeName(attribute(parts[1], 'a'));
                gs2Header = parts[0] + "," + parts[1] + ",";
                clientFirstBare = message.substring(gs2Header.length());
                String authenticationId = unescapeName(attribute(parts[2], 'n'));
                user = context.canonical(authenticationId);
                String clientNonce = attribute(parts[3], 'r');
                // Cyrus 2.1.28 takes an empty client nonce ("r="): the server nonce alone follows.
                if (user.isEmpty()) {
                    throw CyrusStatus.BADPROT.failure();
                }
                keys = context.scramSecrets().serverKeys(ScramMechanism.this, authenticationId, context.password(user));
                nonce = clientNonce + nonces.get();
                serverFirst = "r=" + nonce + ",s=" + SaslBytes.encode(keys.salt()) + ",i=" + keys.iterations();
                return Step.more(SaslBytes.utf8(serverFirst));
            }

            private Step last(String message) throws SaslFailure {
                if (username != null || keys == null) {
                    throw CyrusStatus.BADPROT.failure();
                }
                int proofAt = message.lastIndexOf(",p=");
                String[] parts = message.split(",", -1);
                if (proofAt < 0 || parts.length < 3) {
                    throw CyrusStatus.BADPROT.failure();
                }
                if (!attribute(parts[0], 'c').equals(SaslBytes.encode(SaslBytes.utf8(gs2Header)))
                        || !attribute(parts[1], 'r').equals(nonce)) {
                    throw CyrusStatus.BADPROT.failure();
                }
                byte[] proof = base64(message.substring(proofAt + 3));
                String authMessage = clientFirstBare + "," + serverFirst + "," + message.substring(0, proofAt);
                byte[] clientSignature = hmac(keys.storedKey(), authMessage);
                if (proof.length != clientSignature.length
                        || !MessageDigest.isEqual(hash(xor(proof, clientSignature)), keys.storedKey())) {
                    throw CyrusStatus.BADAUTH.failure();
                }
                if (!authzid.isEmpty() && !context.canonical(authzid).equals(user)) {
                    throw CyrusStatus.BADAUTH.failure();
                }
                username = user;
                String verifier = "v=" + SaslBytes.encode(hmac(keys.serverKey(), authMessage));
                keys = null;   // kept by ScramSecrets for the user's next authentication, not cleared here
                return Step.success(SaslBytes.utf8(verifier));
            }

            @Override
            public String username() {
                return username;
            }
        };
    }

    // ---- client -----------------------------------------------------------------------------------

    @Override
    public boolean usableWith(ClientCredentials credentials) {
        return credentials.hasPassword();
    }

    @Override
    public ClientMechanism.Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn) {
        return new ClientMechanism.Exchange() {
            private final String clientNonce = nonces.get();
            private final String clientFirstBare = "n=" + escapeName(credentials.username()) + ",r=" + clientNonce;
            private byte[] expectedVerifier;
            private boolean verified;

            @Override
            public byte[] initialResponse() {
                return SaslBytes.utf8("n,," + clientFirstBare);
            }

            @Override
            public boolean complete() {
                return verified;
            }

            @Override
            public byte[] evaluate(byte[] challenge) throws SaslFailure {
                String message = SaslBytes.utf8(challenge, 0, challenge.length);
                if (expectedVerifier == null && !verified) {
                    return clientFinal(message);
                }
                if (verified || message.startsWith("e=")) {
                    throw CyrusStatus.BADAUTH.failure();
                }
                if (!MessageDigest.isEqual(base64(attribute(message.split(",", -1)[0], 'v')), expectedVerifier)) {
                    throw CyrusStatus.BADAUTH.failure();   // the server does not know the password
                }
                verified = true;
                return new byte[0];
            }

            private byte[] clientFinal(String serverFirst) throws SaslFailure {
                String[] parts = serverFirst.split(",", -1);
                if (parts.length < 3) {
                    throw CyrusStatus.BADPROT.failure();
                }
                String nonce = attribute(parts[0], 'r');
                byte[] salt = base64(attribute(parts[1], 's'));
                int count;
                try {
                    count = Integer.parseInt(attribute(parts[2], 'i'));
                } catch (NumberFormatException e) {
                    throw CyrusStatus.BADPROT.failure();
                }
                if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length() || count < 1) {
                    throw CyrusStatus.BADPROT.failure();
                }
                String withoutProof = "c=biws,r=" + nonce;
                String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
                // Kept by the credentials' ScramSecrets for the next login to a server with this salt.
                byte[] salted = credentials.scramSecrets().clientSaltedPassword(ScramMechanism.this,
                        credentials.username(), salt, count, credentials.passwordCopy());
                byte[] clientKey = hmac(salted, "Client Key");
                byte[] proof = xor(clientKey, hmac(hash(clientKey), authMessage));
                expectedVerifier = hmac(hmac(salted, "Server Key"), authMessage);
                SaslBytes.clear(clientKey);
                return SaslBytes.utf8(withoutProof + ",p=" + SaslBytes.encode(proof));
            }
        };
    }
}
