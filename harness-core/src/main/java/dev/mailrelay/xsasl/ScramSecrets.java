package dev.mailrelay.xsasl;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What SCRAM derives from a password with PBKDF2, kept for the next authentication with the same
 * password. A server's: its users' salts and keys, as Cyrus 2.1.28's plugins/scram.c makes them for a
 * user whose sasldb entry holds the cleartext {@code userPassword} (what {@code saslpasswd2} stores; it
 * writes no {@code authPassword} unless {@code scram_secret_generate} is set): the salt is
 * {@code Hi(authentication id, g_salt_key, 20)}, as long as the hash, with {@code g_salt_key} drawn
 * once when the plugin starts, and {@code i=4096}. So one server (one smtpd process for Postfix; one
 * service here) gives a user the same {@code s=} and {@code i=} on every authentication. Cyrus derives
 * StoredKey and ServerKey anew each time; they depend only on that salt and the password, so they are
 * kept here. A client's: the SaltedPassword per salt and iteration count a server sent, so a server
 * with a stable salt costs one derivation (nothing shows on the wire).
 *
 * <p>Each entry carries a fingerprint of the password it was made from, keyed with a random key of
 * this object: the same password reuses it, a changed one (a table that answers differently) derives
 * anew. The key is drawn on first use, not at start; at most {@value #MAX_ENTRIES} entries are kept
 * (least recently used go; a server's salt stays the same). Nothing secret is shown by
 * {@link #toString()}.
 *
 * <pre>{@code
 * ScramSecrets secrets = new ScramSecrets();   // one per CyrusServerImpl, or per smtp client
 * ServerContext context = new ServerContext("smtp", "mx.example.com", "", users, null, null, true, secrets);
 * ClientCredentials creds = ClientCredentials.password("relay-user", password, secrets);
 * }</pre>
 */
public final class ScramSecrets {
    /** Entries kept: users (or servers' salts) times SCRAM hashes. */
    static final int MAX_ENTRIES = 1024;
    /** Cyrus' SALT_SIZE, the length of g_salt_key. */
    private static final int KEY_SIZE = 16;
    /** Cyrus' scram_server_user_salt() iterations. */
    private static final int USER_SALT_ITERATIONS = 20;

    /** A server's salt, iteration count, StoredKey and ServerKey of a user; shared, so never cleared by a reader. */
    record Keys(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
        @Override
        public String toString() {
            return "ScramSecrets.Keys[iterations=" + iterations + ", (hidden)]";
        }
    }

    private record Entry(byte[] passwordFingerprint, Object derived) {
    }

    private final byte[] fixedSalt;
    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private byte[] key;

    /** Secrets of a server that salts as Cyrus salts a sasldb user's, or of a client. */
    public ScramSecrets() {
        this(null);
    }

    /** Every user salted with {@code fixedSalt}: the RFC test vectors. */
    ScramSecrets(byte[] fixedSalt) {
        this.fixedSalt = fixedSalt;
    }

    /**
     * A server's keys of {@code authenticationId} (as the client named it, before canonicalization:
     * Cyrus salts that name) for {@code mechanism}. Clears {@code password}.
     */
    Keys serverKeys(ScramMechanism mechanism, String authenticationId, char[] password) {
        return derived(Keys.class, "server\0" + mechanism.name() + "\0" + authenticationId, password,
                p -> mechanism.serverKeys(p, fixedSalt != null ? fixedSalt
                        : mechanism.saltedPassword(authenticationId.toCharArray(), key(), USER_SALT_ITERATIONS)));
    }

    /** A client's SaltedPassword for a server's salt and iteration count; shared, never cleared. Clears {@code password}. */
    byte[] clientSaltedPassword(ScramMechanism mechanism, String username, byte[] salt, int iterations,
                                char[] password) {
        return derived(byte[].class, "client\0" + mechanism.name() + "\0" + username + "\0"
                + SaslBytes.encode(salt) + "\0" + iterations, password,
                p -> mechanism.saltedPassword(p, salt, iterations));
    }

    private synchronized byte[] key() {
        if (key == null) {
            key = SaslBytes.random(KEY_SIZE);
        }
        return key;
    }

    /** What {@code derive} makes of {@code password} under {@code id}, made again only for another password. */
    private <T> T derived(Class<T> type, String id, char[] password, Function<char[], T> derive) {
        Entry entry;
        synchronized (entries) {
            entry = entries.get(id);
        }
        byte[] fingerprint = fingerprint(key(), password);
        if (entry != null && MessageDigest.isEqual(entry.passwordFingerprint(), fingerprint)) {
            SaslBytes.clear(password);
            return type.cast(entry.derived());
        }
        T derived = derive.apply(password);   // clears the password; PBKDF2 outside the lock
        synchronized (entries) {
            entries.put(id, new Entry(fingerprint, derived));
        }
        return derived;
    }

    /** Overwrites and drops every derived secret. */
    void forget() {
        synchronized (entries) {
            for (Entry e : entries.values()) {
                if (e.derived() instanceof Keys k) {
                    SaslBytes.clear(k.storedKey());
                    SaslBytes.clear(k.serverKey());
                } else {
                    SaslBytes.clear((byte[]) e.derived());
                }
            }
            entries.clear();
        }
    }

    /** HMAC-SHA-256 of the password under the salt key: tells a changed password without keeping it. */
    private static byte[] fingerprint(byte[] key, char[] password) {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(bytes.duplicate());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            if (bytes.hasArray()) {
                SaslBytes.clear(bytes.array());
            }
        }
    }

    @Override
    public String toString() {
        synchronized (entries) {
            return "ScramSecrets[entries=" + entries.size() + "]";
        }
    }
}
