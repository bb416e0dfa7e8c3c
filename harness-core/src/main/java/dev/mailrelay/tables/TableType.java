package dev.mailrelay.tables;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The lookup table types mailrelay opens, as {@code postconf -m} lists Postfix's: the one list every
 * part of the harness consults (opening tables, the password-table permission check, the instance
 * directory writer).
 *
 * <pre>{@code
 * TableType.of("texthash").map(TableType::readsFile);            // Optional[true]
 * TableType.file("hash:sasl_passwd", dir);                        // Optional[dir/sasl_passwd]
 * }</pre>
 */
public enum TableType {
    /** The indexed types, all served from postmap(1)'s source text: {@code key value} lines. */
    HASH("hash", Kind.KEY_VALUE_FILE),
    BTREE("btree", Kind.KEY_VALUE_FILE),
    LMDB("lmdb", Kind.KEY_VALUE_FILE),
    TEXTHASH("texthash", Kind.KEY_VALUE_FILE),
    DBM("dbm", Kind.KEY_VALUE_FILE),
    CDB("cdb", Kind.KEY_VALUE_FILE),
    SDBM("sdbm", Kind.KEY_VALUE_FILE),
    /** Pattern tables: a file of patterns, searched in order. */
    CIDR("cidr", Kind.PATTERN_FILE),
    REGEXP("regexp", Kind.PATTERN_FILE),
    PCRE("pcre", Kind.PATTERN_FILE),
    /** Tables held in the parameter value itself. */
    INLINE("inline", Kind.VALUE),
    STATIC("static", Kind.VALUE);

    private enum Kind { KEY_VALUE_FILE, PATTERN_FILE, VALUE }

    private final String type;
    private final Kind kind;

    TableType(String type, Kind kind) {
        this.type = type;
        this.kind = kind;
    }

    /** The Postfix name, the part of {@code type:name} before the colon. */
    public String type() {
        return type;
    }

    /** Whether the name after the colon is a file mailrelay reads. */
    public boolean readsFile() {
        return kind != Kind.VALUE;
    }

    /** Whether the file holds {@code key value} lines (postmap's source format), to which entries can be added. */
    public boolean keyValueFile() {
        return kind == Kind.KEY_VALUE_FILE;
    }

    /**
     * The suffix of the file postmap(1) builds next to the source for this type ({@code .db} for
     * hash and btree, {@code .lmdb}, {@code .cdb}, {@code .dir} for dbm and sdbm), or {@code null}
     * for the types Postfix reads as text.
     */
    public String indexSuffix() {
        return switch (this) {
            case HASH, BTREE -> ".db";
            case LMDB -> ".lmdb";
            case CDB -> ".cdb";
            case DBM, SDBM -> ".dir";
            default -> null;
        };
    }

    /** The type with this Postfix name. */
    public static Optional<TableType> of(String type) {
        return Arrays.stream(values()).filter(t -> t.type.equals(type)).findFirst();
    }

    /** The Postfix names of the types whose file holds {@code key value} lines. */
    public static List<String> keyValueNames() {
        return Arrays.stream(values()).filter(TableType::keyValueFile).map(TableType::type).toList();
    }

    /**
     * The file a {@code type:name} table reads, resolved against the instance directory; empty for a
     * table that reads no file, an unknown type or a spec without a name.
     */
    public static Optional<Path> file(String spec, Path baseDirectory) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            return Optional.empty();
        }
        return of(spec.substring(0, colon)).filter(TableType::readsFile)
                .map(t -> baseDirectory.resolve(spec.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return type;
    }
}
