package dev.mailrelay.tables;

import dev.mailrelay.config.ConfigException;
import java.util.List;
import java.util.Optional;

/**
 * {@code static:value} or {@code static:{ value with spaces }}: every key finds the same value.
 *
 * <pre>{@code
 * StaticTable.open("static:{ relay ok }").lookup("anything"); // Optional[relay ok]
 * }</pre>
 */
public final class StaticTable implements LookupTable {
    private final String spec;
    private final String value;

    private StaticTable(String spec, String value) {
        this.spec = spec;
        this.value = value;
    }

    /** Parses {@code spec}, which must start with {@code static:}. */
    public static StaticTable open(String spec) {
        String name = spec.substring(spec.indexOf(':') + 1);
        if (!name.startsWith("{")) {
            return new StaticTable(spec, name);
        }
        try {
            return new StaticTable(spec, BraceText.unbrace(name));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("bad static:name syntax: " + e.getMessage());
        }
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> lookup(String key) {
        return Optional.of(value);
    }

    @Override
    public List<String> results() {
        return List.of(value);
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
