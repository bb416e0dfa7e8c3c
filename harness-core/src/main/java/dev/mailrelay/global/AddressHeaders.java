package dev.mailrelay.global;

import dev.mailrelay.capture.MessageContent;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Rewrites the addresses in a message's top-level address headers, the way cleanup(8) applies
 * canonical maps to {@code header_sender}/{@code header_recipient} and smtp(8) applies
 * {@code smtp_generic_maps}: each address of a named header goes through the mapping; a header
 * none of whose addresses change is left byte for byte as it was. Only the primary header block is
 * touched, never the body or attached messages. Postfix's counterpart is in src/global: the header
 * classes of header_opts.c and the address parsing of tok822, which cleanup and smtp both link.
 *
 * <pre>{@code
 * MessageContent out = AddressHeaders.rewrite(content, AddressHeaders.SENDER_HEADERS, a -> a.equals("me@box.local")
 *         ? "me@example.com" : a);
 * }</pre>
 */
public final class AddressHeaders {

    /** Postfix's header_sender class. */
    public static final Set<String> SENDER_HEADERS = Set.of("from", "sender", "reply-to", "return-path",
            "errors-to", "resent-from", "resent-sender", "resent-reply-to");
    /** Postfix's header_recipient class. */
    public static final Set<String> RECIPIENT_HEADERS = Set.of("to", "cc", "bcc", "apparently-to", "resent-to",
            "resent-cc", "resent-bcc");

    /**
     * The most of a header block read for rewriting, Postfix's {@code header_size_limit} default:
     * Postfix keeps no more of a header in memory either.
     */
    static final int HEADER_LIMIT = 102400;

    private AddressHeaders() {
    }

    /**
     * Rewrites the addresses of the named headers (lower-case names). Only the header block is read
     * (at most {@link #HEADER_LIMIT} bytes of it); the body is shared with {@code content}, not copied.
     */
    public static MessageContent rewrite(MessageContent content, Set<String> headers, UnaryOperator<String> mapper) {
        byte[] head = content.head(HEADER_LIMIT);
        int end = headerEnd(head, head.length < content.size());
        String block = new String(head, 0, end, StandardCharsets.UTF_8);
        List<String> fields = unfoldedFields(block);
        StringBuilder out = new StringBuilder(block.length() + 64);
        boolean changed = false;
        for (String field : fields) {
            int colon = field.indexOf(':');
            String name = colon < 0 ? "" : field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String rewritten = colon > 0 && headers.contains(name) ? rewriteField(field, colon, mapper) : null;
            if (rewritten != null) {
                out.append(rewritten).append("\r\n");
                changed = true;
            } else {
                out.append(field);
            }
        }
        if (!changed) {
            return content;
        }
        return content.slice(end, content.size()).prepend(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The field rewritten on one line, or {@code null} when no address changed. */
    private static String rewriteField(String field, int colon, UnaryOperator<String> mapper) {
        String value = field.substring(colon + 1).replaceAll("\r?\n[ \t]", " ").strip();
        InternetAddress[] addresses;
        try {
            addresses = InternetAddress.parseHeader(value, false);
        } catch (AddressException e) {
            return null;    // Postfix leaves what it cannot parse alone as well
        }
        boolean changed = false;
        List<String> rendered = new ArrayList<>();
        for (InternetAddress a : addresses) {
            String mapped = a.getAddress() == null ? null : mapper.apply(a.getAddress());
            if (mapped != null && !mapped.equals(a.getAddress())) {
                a.setAddress(mapped);
                changed = true;
            }
            rendered.add(a.toUnicodeString());
        }
        return changed ? field.substring(0, colon) + ": " + String.join(", ", rendered) : null;
    }

    /** Splits a header block into fields, each with its continuation lines and line endings. */
    private static List<String> unfoldedFields(String block) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = null;
        for (String line : block.split("(?<=\n)")) {
            if (current != null && !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                current.append(line);
                continue;
            }
            if (current != null) {
                fields.add(current.toString());
            }
            current = new StringBuilder(line);
        }
        if (current != null) {
            fields.add(current.toString());
        }
        return fields;
    }

    /**
     * The offset just past the header block's last line (the empty line stays with the body); when
     * {@code c} is only the start of a longer message and holds no end of the header block, the
     * start of its last field (which may go on beyond {@code c}).
     */
    private static int headerEnd(byte[] c, boolean truncated) {
        int lastLine = 0;
        for (int i = 0; i < c.length; i++) {
            boolean lineStart = i == 0 || c[i - 1] == '\n';
            if (lineStart && c[i] != ' ' && c[i] != '\t') {
                lastLine = i;
            }
            if (lineStart && (c[i] == '\n' || (c[i] == '\r' && i + 1 < c.length && c[i + 1] == '\n'))) {
                return i;
            }
        }
        return truncated ? lastLine : c.length;
    }
}
