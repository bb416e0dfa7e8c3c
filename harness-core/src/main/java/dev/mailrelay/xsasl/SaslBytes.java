package dev.mailrelay.xsasl;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Base64 as Cyrus does it, UTF-8 and secret-handling helpers shared by all mechanisms. */
final class SaslBytes {
    /**
     * Made when a mechanism first needs a random challenge or nonce, not when the mechanisms load: a
     * SecureRandom brings the JDK's provider framework (~100 classes), which a start offering PLAIN
     * and LOGIN only never needs.
     */
    private static final class Random {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    private static final Base64.Encoder ENCODER = Base64.getEncoder();

    private SaslBytes() {
    }

    static String encode(byte[] data) {
        return ENCODER.encodeToString(data);
    }

    /**
     * Decodes like Cyrus' {@code sasl_decode64()}, which Postfix's Cyrus backend uses for every client
     * line: a leading CR is SASL_FAIL, a bad character or data after '=' is SASL_BADPROT, and a
     * trailing partial quantum (this includes a lone {@code "="}) is SASL_CONTINUE.
     */
    static byte[] decode(String in) throws SaslFailure {
        if (!in.isEmpty() && in.charAt(0) == '\r') {
            throw CyrusStatus.FAIL.failure();
        }
        int quanta = in.length() / 4;
        boolean sawEqual = false;
        for (int q = 0; q < quanta; q++) {
            if (sawEqual) {
                throw CyrusStatus.BADPROT.failure();
            }
            char c0 = in.charAt(4 * q), c1 = in.charAt(4 * q + 1), c2 = in.charAt(4 * q + 2), c3 = in.charAt(4 * q + 3);
            if (!isBase64(c0) || !isBase64(c1) || (c2 != '=' && !isBase64(c2)) || (c3 != '=' && !isBase64(c3))
                    || (c2 == '=' && c3 != '=')) {
                throw CyrusStatus.BADPROT.failure();
            }
            sawEqual = c3 == '=';
        }
        if (in.length() % 4 != 0) {
            throw (sawEqual ? CyrusStatus.BADPROT : CyrusStatus.CONTINUE).failure();
        }
        return Base64.getDecoder().decode(in);
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String utf8(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.UTF_8);
    }

    /** UTF-8 bytes of a secret; the caller clears them. */
    static byte[] utf8(char[] secret) {
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] out = Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
        Arrays.fill(bb.array(), (byte) 0);
        return out;
    }

    /** A secret as chars, decoded from part of a client message; the caller clears them. */
    static char[] chars(byte[] b, int from, int to) {
        CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(b, from, to - from));
        char[] out = Arrays.copyOfRange(cb.array(), cb.position(), cb.limit());
        Arrays.fill(cb.array(), '\0');
        return out;
    }

    static int indexOf(byte[] b, byte value, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** Constant-time comparison of two secrets. */
    static boolean secretEquals(char[] a, char[] b) {
        byte[] x = utf8(a), y = utf8(b);
        try {
            return MessageDigest.isEqual(x, y);
        } finally {
            clear(x);
            clear(y);
        }
    }

    static void clear(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }

    static void clear(char[] c) {
        if (c != null) {
            Arrays.fill(c, '\0');
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** A uniformly random 32-bit value, as an unsigned number. */
    static long randomUnsigned32() {
        return Random.INSTANCE.nextInt() & 0xffffffffL;
    }

    static byte[] random(int length) {
        byte[] b = new byte[length];
        Random.INSTANCE.nextBytes(b);
        return b;
    }
}
