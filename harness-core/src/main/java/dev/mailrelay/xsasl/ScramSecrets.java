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

/**
 * The SCRAM server secrets of one Cyrus server's users, as Cyrus 2.1.28's plugins/scram.c makes them
 * for a user whose sasldb entry holds the cleartext {@code userPassword} (what {@code saslpasswd2}
 * stores; it writes no {@code authPassword} unless {@code scram_secret_generate} is set): the salt is
 * {@code Hi(authentication id, g_salt_key, 20)}, as long as the hash, with {@code g_salt_key} drawn once
 * when the plugin starts, and {@code i=4096}. So one server (one smtpd process for Postfix; one service
 * here) gives a user the same {@code s=} and {@code i=} on every authentication. Cyrus derives
 * StoredKey and ServerKey anew each time; they depend only on that salt and the password, so they are
 * kept here, per mechanism and authentication id, with a keyed fingerprint of the password they were
 * made from: a later authentication with the same password costs no PBKDF2, and a changed password
 * (a table that answers differently) derives them anew. The key is drawn on the first SCRAM
 * authentication, not at start; at most {@value #MAX_ENTRIES} entries are kept (least recently used
 * go, their salt stays the same). Nothing secret is shown by {@link #toString()}.
 *
 * <pre>{@code
 * ScramSecrets secrets = new ScramSecrets();   // one per CyrusServerImpl
 * ServerContext context = new ServerContext("smtp", "mx.example.com", "", users, null, null, true, secrets);
 * }</pre>
 */
public final class ScramSecrets {
    /** Entries kept: users times SCRAM hashes. */
    static final int MAX_ENTRIES = 1024;
    /** Cyrus' SALT_SIZE, the length of g_salt_key. */
    private static final int SALT_KEY_SIZE = 16;
    /** Cyrus' scram_server_user_salt() iterations. */
    private static final int USER_SALT_ITERATIONS = 20;

    /** A user's salt, iteration count, StoredKey and ServerKey; shared, so never cleared by a reader. */
    record Keys(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
        @Override
        public String toString() {
            return "ScramSecrets.Keys[iterations=" + iterations + ", (hidden)]";
        }
    }

    private record Entry(byte[] passwordFingerprint, Keys keys) {
    }

    private final byte[] fixedSalt;
    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private byte[] saltKey;

    /** Secrets salted as Cyrus salts a sasldb user's. */
    public ScramSecrets() {
        this(null);
    }

    /** Every user salted with {@code fixedSalt}: the RFC test vectors. */
    ScramSecrets(byte[] fixedSalt) {
        this.fixedSalt = fixedSalt;
    }

    /**
     * The keys of {@code authenticationId} (as the client named it, before canonicalization: Cyrus
     * salts that name) for {@code mechanism}, made from {@code password} unless already made from the
     * same password. Clears {@code password}.
     */
    Keys keys(ScramMechanism mechanism, String authenticationId, char[] password) {
        String id = mechanism.name() + "\0" + authenticationId;
        byte[] key;
        Entry entry;
        synchronized (entries) {
            if (saltKey == null) {
                saltKey = SaslBytes.random(SALT_KEY_SIZE);
            }
            key = saltKey;
            entry = entries.get(id);
        }
        byte[] fingerprint = fingerprint(key, password);
        if (entry != null && MessageDigest.isEqual(entry.passwordFingerprint(), fingerprint)) {
            SaslBytes.clear(password);
            return entry.keys();
        }
        byte[] salt = fixedSalt != null ? fixedSalt
                : mechanism.saltedPassword(authenticationId.toCharArray(), key, USER_SALT_ITERATIONS);
        Keys keys = mechanism.serverKeys(password, salt);
        synchronized (entries) {
            entries.put(id, new Entry(fingerprint, keys));
        }
        return keys;
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
