package dev.mailrelay.tables;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.LogicalLines;

import dev.mailrelay.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
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
 * <p>Postfix opens the file postmap built ({@code sasl_passwd.db}); mailrelay has no reader for
 * Berkeley DB, LMDB or CDB files and reads the source instead. Where Postfix would notice something,
 * a start says so: with the source but no indexed file Postfix fails ("open database ...db: No such
 * file or directory"), which is a warning here; an indexed file older than its source is Postfix's
 * warning, and Postfix would use the stale one; an indexed file without its source cannot be read
 * and fails the start.
 *
 * <p>Each logical line is {@code key whitespace value}. The key ends at the first whitespace that is not
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
        return open(spec, file, null);
    }

    /**
     * Reads {@code file}, the source of an indexed table whose postmap(1) output is {@code file}
     * plus {@code indexSuffix} ({@code null} for texthash), comparing the two as Postfix would.
     *
     * @throws ConfigException when only the indexed file is there
     */
    public static TextHashTable open(String spec, Path file, String indexSuffix) {
        if (indexSuffix != null) {
            compareWithIndex(spec, file, file.resolveSibling(file.getFileName() + indexSuffix));
        }
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

    /** Source and indexed files already warned about (path and modification times): once per JVM. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private static void compareWithIndex(String spec, Path source, Path index) {
        boolean hasSource = Files.exists(source);
        boolean hasIndex = Files.exists(index);
        if (!hasSource && hasIndex) {
            throw new ConfigException("open database " + source + ": No such file or directory: " + spec
                    + " has only " + index + ", which mailrelay cannot read (it reads the text postmap(1) reads); "
                    + "keep the source file " + source + " next to it");
        }
        if (!hasSource) {
            return;     // reading the source reports it missing
        }
        try {
            FileTime sourceTime = Files.getLastModifiedTime(source);
            if (!hasIndex) {
                if (WARNED.add(source + "|" + sourceTime)) {
                    log.warn("warning: {}: database {} does not exist: Postfix fails here (fatal: open database {}: "
                            + "No such file or directory) until \"postmap {}\" is run; mailrelay reads the source "
                            + "file", spec, index, index, spec.substring(0, spec.indexOf(':') + 1) + source);
                }
                return;
            }
            FileTime indexTime = Files.getLastModifiedTime(index);
            // As dict_db.c: not when the source changed only seconds ago (postmap may be running).
            if (sourceTime.compareTo(indexTime) > 0
                    && sourceTime.toInstant().isBefore(Instant.now().minusSeconds(100))
                    && WARNED.add(source + "|" + sourceTime + "|" + indexTime)) {
                log.warn("warning: database {} is older than source file {} (Postfix uses the database, mailrelay "
                        + "the source file)", index, source);
            }
        } catch (IOException e) {
            // unreadable times: reading the source reports what is wrong with it
        }
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
    public List<String> results() {
        return List.copyOf(entries.values());
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
