package dev.mailrelay.tables;

import dev.mailrelay.config.LogicalLines;

import dev.mailrelay.config.ConfigException;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code inline:{ key1=value1, { key2 = value with spaces }, ... }} (Postfix 3.0): a table written in
 * the parameter value itself. Entries are separated by commas or whitespace, so a value with spaces
 * needs its own braces. Keys are folded to lower case.
 *
 * <pre>{@code
 * LookupTable t = InlineTable.open("inline:{ a=b, { key2 = value with spaces } }");
 * t.lookup("A"); // Optional[b]
 * }</pre>
 */
public final class InlineTable implements LookupTable {
    private final String spec;
    private final Map<String, String> entries;

    private InlineTable(String spec, Map<String, String> entries) {
        this.spec = spec;
        this.entries = entries;
    }

    /** Parses {@code spec}, which must start with {@code inline:}. */
    public static InlineTable open(String spec) {
        String name = spec.substring(spec.indexOf(':') + 1);
        int end = BraceText.matchingBrace(name);
        if (!name.startsWith("{") || end != name.length() - 1 || end == 1) {
            throw error(spec, "bad syntax");
        }
        Map<String, String> entries = new HashMap<>();
        for (String token : BraceText.split(name.substring(1, end))) {
            try {
                String nameValue = token.startsWith("{") ? BraceText.unbrace(token) : token;
                String[] kv = splitNameValue(nameValue);
                // No duplicate check: unlike texthash, the last entry wins (postmap-confirmed).
                entries.put(TextHashTable.fold(kv[0]), kv[1]);
            } catch (IllegalArgumentException e) {
                throw error(spec, e.getMessage());
            }
        }
        if (entries.isEmpty()) {
            throw error(spec, "empty table");
        }
        return new InlineTable(spec, entries);
    }

    private static ConfigException error(String spec, String why) {
        return new ConfigException(why + ": \"" + spec + "\"; need \"inline:{name=value...}\"");
    }

    /** Postfix's split_qnameval(): {@code name = value}, the name may hold quoted text. */
    private static String[] splitNameValue(String text) {
        int keyStart = LogicalLines.skipSpace(text, 0);
        if (keyStart == text.length()) {
            throw new IllegalArgumentException("no key found; expected format: key = value");
        }
        boolean inQuotes = false;
        int keyEnd = keyStart;
        for (; keyEnd < text.length(); keyEnd++) {
            char c = text.charAt(keyEnd);
            if (c == '\\') {
                keyEnd++;
            } else if (c == '"') {
                inQuotes = !inQuotes;
            } else if ((LogicalLines.isSpace(c) || c == '=') && !inQuotes) {
                break;
            }
        }
        if (inQuotes) {
            throw new IllegalArgumentException("unbalanced '\"'");
        }
        keyEnd = Math.min(keyEnd, text.length());
        int equals = LogicalLines.skipSpace(text, keyEnd);
        if (equals == text.length() || text.charAt(equals) != '=') {
            throw new IllegalArgumentException("missing '=' after attribute name");
        }
        String value = LogicalLines.trimTrailing(text.substring(LogicalLines.skipSpace(text, equals + 1)));
        return new String[] {text.substring(keyStart, keyEnd), value};
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> lookup(String key) {
        return Optional.ofNullable(entries.get(TextHashTable.fold(key)));
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
