package dev.mailrelay.tables;

import dev.mailrelay.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * postmap(1)'s query, {@code postmap -q KEY [TYPE:]NAME ...}, for the standalone runner's
 * {@code postmap} command and the Maven plugin's {@code postmap} goal: the key is looked up as it is
 * (no address search order: postmap asks each table exactly, which folds case as the table type
 * does), the tables in the order given, the first value found answers. A name without a type is
 * {@code hash:}, Postfix's {@code default_database_type}.
 *
 * <pre>{@code
 * Optional<String> value = Postmap.query("alice@example.org", List.of("texthash:virtual"), dir);
 * }</pre>
 */
public final class Postmap {

    /** postmap's usage line for what mailrelay answers. */
    public static final String USAGE = "usage: postmap [-c config_dir] -q key [map_type:]file...";

    private Postmap() {
    }

    /**
     * Looks {@code key} up in each table in turn.
     *
     * @throws ConfigException as postmap's fatal errors: an unknown type, a missing file
     */
    public static Optional<String> query(String key, List<String> maps, Path baseDirectory) {
        List<LookupTable> tables = new ArrayList<>();
        for (String map : maps) {
            tables.add(Tables.open(map.indexOf(':') > 0 ? map : TableType.HASH.type() + ":" + map, baseDirectory));
        }
        return Tables.find(tables, key);
    }
}
