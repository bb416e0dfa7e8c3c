package dev.mailrelay.tables;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * Opens lookup tables named the Postfix way, {@code type:name}, and searches lists of them.
 *
 * <pre>{@code
 * List<LookupTable> maps = Tables.openList("hash:sasl_passwd, inline:{ a=b, c=d }", configDir);
 * Optional<String> hit = Tables.find(maps, "[smtp.example]:587");
 * }</pre>
 *
 * File-based types read the source text (no {@code .db}, see {@link TextHashTable}); a relative file
 * name resolves against the instance's configuration directory.
 */
public final class Tables {
    private static final Logger log = Maillog.logger(Tables.class);

    private Tables() {
    }

    /** A table with no entries, for a parameter left empty (an empty sasldb, say); {@code name} labels it. */
    public static LookupTable empty(String name) {
        return new LookupTable() {
            @Override
            public String spec() {
                return name;
            }

            @Override
            public Optional<String> lookup(String key) {
                return Optional.empty();
            }

            @Override
            public boolean partialAddressKeys() {
                return true;
            }
        };
    }

    /** Opens one table, e.g. {@code hash:/etc/postfix/sasl_passwd} or {@code static:OK}. */
    public static LookupTable open(String spec, Path baseDirectory) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new ConfigException("open dictionary: expecting \"type:name\" form instead of \"" + spec + "\"");
        }
        String name = spec.substring(colon + 1);
        TableType type = TableType.of(spec.substring(0, colon)).orElseThrow(
                () -> new ConfigException("unsupported dictionary type: " + spec.substring(0, colon)));
        return switch (type) {
            case INLINE -> InlineTable.open(spec);
            case STATIC -> StaticTable.open(spec);
            case CIDR -> CidrTable.open(spec, baseDirectory.resolve(name));
            case REGEXP -> RegexTable.open(spec, baseDirectory.resolve(name), RegexDialect.REGEXP);
            case PCRE -> RegexTable.open(spec, baseDirectory.resolve(name), RegexDialect.PCRE);
            // The indexed types, all served from the postmap(1) source file.
            case HASH, BTREE, LMDB, TEXTHASH, DBM, CDB, SDBM -> TextHashTable.open(spec, baseDirectory.resolve(name),
                    type.indexSuffix());
        };
    }

    /**
     * Opens the tables of a list-valued parameter, separated by commas and/or whitespace; text inside
     * braces ({@code inline:{ a=b, c=d }}) is not split.
     */
    public static List<LookupTable> openList(String value, Path baseDirectory) {
        List<LookupTable> tables = new ArrayList<>();
        for (String spec : BraceText.split(value)) {
            tables.add(open(spec, baseDirectory));
        }
        return List.copyOf(tables);
    }

    /**
     * Postfix's maps_find(): the first table's result for {@code key}. An empty key finds nothing
     * without any lookup, as in Postfix.
     *
     * @throws ConfigException when a table returns an empty string, which Postfix treats as a
     *     configuration error ("should return NO RESULT in case of NOT FOUND")
     */
    public static Optional<String> find(List<LookupTable> tables, String key) {
        return find(tables, key, false);
    }

    /** As {@link #find(List, String)}; with {@code partial}, tables without partial keys are skipped. */
    static Optional<String> find(List<LookupTable> tables, String key, boolean partial) {
        if (key.isEmpty()) {
            return Optional.empty();
        }
        for (LookupTable table : tables) {
            if (partial && !table.partialAddressKeys()) {
                continue;
            }
            Optional<String> result = table.lookup(key);
            if (result.isPresent()) {
                if (result.get().isEmpty()) {
                    log.warn("{} lookup of {} returns an empty string result", table.spec(), key);
                    throw new ConfigException(table.spec() + " lookup of " + key
                            + " returns an empty string result; tables should return no result when not found");
                }
                return result;
            }
        }
        return Optional.empty();
    }
}
