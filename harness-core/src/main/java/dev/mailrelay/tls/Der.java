package dev.mailrelay.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little of ASN.1 DER that the harness's certificates and PEM keys need (X.690): definite
 * lengths, the universal types an X.509 v3 certificate uses, context tags, and a reader that walks
 * nested TLVs. The JDK parses certificates and keys itself (CertificateFactory, KeyFactory) but has
 * no public API to build a certificate or to unwrap OpenSSL's PKCS#1 and SEC1 keys.
 */
final class Der {

    static final int BOOLEAN = 0x01;
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int UTC_TIME = 0x17;
    static final int GENERALIZED_TIME = 0x18;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;
    /** Context-specific, constructed: {@code [n]} EXPLICIT. */
    static final int EXPLICIT = 0xa0;
    /** Context-specific, primitive: {@code [n]} IMPLICIT of a primitive type. */
    static final int IMPLICIT = 0x80;

    private static final DateTimeFormatter UTC_TIME_FORMAT =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME_FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    /** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
    private static final Instant Y2050 = Instant.parse("2050-01-01T00:00:00Z");

    private Der() {
    }

    // ---- encoding -----------------------------------------------------------------------

    /** One TLV: {@code tag}, the definite length of {@code content}, {@code content}. */
    static byte[] tlv(int tag, byte[] content) {
        int n = content.length;
        int lengthBytes = n < 0x80 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
        byte[] out = new byte[2 + lengthBytes + n];
        out[0] = (byte) tag;
        if (lengthBytes == 0) {
            out[1] = (byte) n;
        } else {
            out[1] = (byte) (0x80 | lengthBytes);
            for (int i = 0; i < lengthBytes; i++) {
                out[2 + i] = (byte) (n >>> (8 * (lengthBytes - 1 - i)));
            }
        }
        System.arraycopy(content, 0, out, 2 + lengthBytes, n);
        return out;
    }

    /** A constructed TLV whose content is {@code parts}, concatenated. */
    static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        return tlv(tag, content.toByteArray());
    }

    static byte[] sequence(byte[]... parts) {
        return tlv(SEQUENCE, parts);
    }

    static byte[] set(byte[]... parts) {
        return tlv(SET, parts);
    }

    static byte[] integer(BigInteger value) {
        return tlv(INTEGER, value.toByteArray());
    }

    static byte[] integer(long value) {
        return integer(BigInteger.valueOf(value));
    }

    static byte[] bool(boolean value) {
        return tlv(BOOLEAN, new byte[] {value ? (byte) 0xff : 0});
    }

    static byte[] nul() {
        return new byte[] {NULL, 0};
    }

    static byte[] octetString(byte[] value) {
        return tlv(OCTET_STRING, value);
    }

    /** A BIT STRING of whole bytes. */
    static byte[] bitString(byte[] value) {
        return bitString(value, 0);
    }

    /** A BIT STRING whose last {@code unusedBits} bits are padding (named bit lists drop trailing zeros). */
    static byte[] bitString(byte[] value, int unusedBits) {
        byte[] content = new byte[value.length + 1];
        content[0] = (byte) unusedBits;
        System.arraycopy(value, 0, content, 1, value.length);
        return tlv(BIT_STRING, content);
    }

    static byte[] utf8String(String value) {
        return tlv(UTF8_STRING, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A certificate validity time as RFC 5280 wants it, to the second. */
    static byte[] time(Instant t) {
        return t.isBefore(Y2050)
                ? tlv(UTC_TIME, UTC_TIME_FORMAT.format(t).getBytes(StandardCharsets.US_ASCII))
                : tlv(GENERALIZED_TIME, GENERALIZED_TIME_FORMAT.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** An OBJECT IDENTIFIER from its dotted form, e.g. {@code 2.5.4.3}. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return tlv(OID, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long v) {
        int groups = 1;
        while (groups < 10 && (v >>> (7 * groups)) != 0) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            out.write((int) ((v >>> (7 * g)) & 0x7f) | (g == 0 ? 0 : 0x80));
        }
    }

    // ---- decoding -----------------------------------------------------------------------

    /** One decoded TLV: its tag and where its content lies in {@code der}. */
    record Element(int tag, byte[] der, int offset, int length) {

        byte[] content() {
            return Arrays.copyOfRange(der, offset, offset + length);
        }

        /** The TLVs inside a constructed element. */
        List<Element> children() throws IOException {
            List<Element> out = new ArrayList<>();
            int p = offset;
            while (p < offset + length) {
                Element e = read(der, p, offset + length);
                out.add(e);
                p = e.offset + e.length;
            }
            return out;
        }

        /** The dotted form of an OBJECT IDENTIFIER. */
        String oid() throws IOException {
            if (tag != OID || length == 0) {
                throw new IOException("expected an OBJECT IDENTIFIER, found tag 0x" + Integer.toHexString(tag));
            }
            StringBuilder s = new StringBuilder();
            long v = 0;
            for (int i = offset; i < offset + length; i++) {
                v = (v << 7) | (der[i] & 0x7f);
                if ((der[i] & 0x80) == 0) {
                    if (s.length() == 0) {
                        int first = (int) Math.min(2, v / 40);
                        s.append(first).append('.').append(v - 40L * first);
                    } else {
                        s.append('.').append(v);
                    }
                    v = 0;
                }
            }
            return s.toString();
        }
    }

    /** The single TLV that {@code der} holds, nothing before or after it. */
    static Element parse(byte[] der) throws IOException {
        Element e = read(der, 0, der.length);
        if (e.offset + e.length != der.length) {
            throw new IOException("excess data after the DER object");
        }
        return e;
    }

    private static Element read(byte[] der, int p, int end) throws IOException {
        if (end - p < 2) {
            throw new IOException("truncated DER object");
        }
        int tag = der[p] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new IOException("unsupported DER tag 0x" + Integer.toHexString(tag));
        }
        int first = der[p + 1] & 0xff;
        int q = p + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4 || end - q < n) {
                throw new IOException("bad DER length");
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (der[q++] & 0xff);
            }
        }
        if (length > end - q) {
            throw new IOException("truncated DER object");
        }
        return new Element(tag, der, q, (int) length);
    }
}
