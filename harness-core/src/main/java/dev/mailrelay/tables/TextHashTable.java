package dev.mailrelay.tables;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.LogicalLines;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The indexed table types ({@code hash:}, {@code btree:}, {@code lmdb:}, {@code cdb:}, {@code dbm:})
 * and {@code texthash:}, all read straight from the postmap(1) source file: there is no {@code .db}
 * step, {@code hash:/etc/postfix/sasl_passwd} reads {@code /etc/postfix/sasl_passwd}.
 *
 * <pre>{@code
 * LookupTable passwd = TextHashTable.open("hash:sasl_passwd", Path.of("/etc/postfix/sasl_passwd"));
 * passwd.lookup("[MAIL.isp.example]:587"); // keys are folded to lower case, as postmap does
 * }</pre>
 *
 * Each logical line is {@code key whitespace value}. The key ends at the first whitespace that is not
 * backslash-escaped or inside double quotes; quotes and backslashes stay part of the key (Postfix keeps
 * keys in quoted form). Malformed lines and duplicates are logged, like postmap, and skipped; the first
 * entry for a key wins.
 */
public final class TextHashTable implements LookupTable {
    private static final Logger log = Maillog.logger(TextHashTable.class);

    private final String spec;
    private final Map<String, String> entries;

    private TextHashTable(String spec, Map<String, String> entries) {
        this.spec = spec;
        this.entries = entries;
    }

    /** Reads {@code file}; {@code spec} is the {@code type:name} the table is reported as. */
    public static TextHashTable open(String spec, Path file) {
        Map<String, String> entries = new HashMap<>();
        for (LogicalLines.Line line : LogicalLines.read(file)) {
            String text = line.text();
            int keyEnd = keyEnd(text);
            if (keyEnd < 0) {
                // Postfix quotes the line here; a password table's line holds a password, so it is not repeated.
                log.warn("{}, line {}: unbalanced '\"' -- ignoring this line", file, line.number());
                continue;
            }
            String key = text.substring(0, keyEnd);
            String value = LogicalLines.trimTrailing(text.substring(LogicalLines.skipSpace(text, keyEnd)));
            if (key.isEmpty() || value.isEmpty()) {
                log.warn("{}, line {}: expected format: key whitespace value -- ignoring this line",
                        file, line.number());
                continue;
            }
            if (key.endsWith(":")) {
                log.warn("{}, line {}: record is in \"key: value\" format; is this an alias file?",
                        file, line.number());
            }
            if (entries.putIfAbsent(fold(key), value) != null) {
                log.warn("{}, line {}: duplicate entry: \"{}\"", file, line.number(), fold(key));
            }
        }
        return new TextHashTable(spec, entries);
    }

    /** Index of the whitespace ending the key, or -1 when a double quote is left open. */
    private static int keyEnd(String text) {
        boolean inQuotes = false;
        int i = 0;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                inQuotes = !inQuotes;
            } else if (LogicalLines.isSpace(c) && !inQuotes) {
                break;
            }
        }
        return inQuotes ? -1 : Math.min(i, text.length());
    }

    static String fold(String key) {
        return key.toLowerCase(Locale.ROOT);
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> lookup(String key) {
        return Optional.ofNullable(entries.get(fold(key)));
    }

    @Override
    public boolean partialAddressKeys() {
        return true;
    }

    @Override
    public String toString() {
        return spec;
    }
}
