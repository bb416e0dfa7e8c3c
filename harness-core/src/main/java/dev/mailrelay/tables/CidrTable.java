package dev.mailrelay.tables;

import dev.mailrelay.config.LogicalLines;

import dev.mailrelay.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code cidr:file}: rules {@code network/prefix result} or {@code address result}, IPv4 and IPv6,
 * optionally in brackets ({@code [2001:db8::]/32}), negated with {@code !} (Postfix 3.2), grouped
 * with {@code if network/prefix} ... {@code endif} (Postfix 3.2). The first matching rule wins; keys
 * that are not IP address literals match nothing.
 *
 * <pre>{@code
 * LookupTable clients = CidrTable.open("cidr:clients.cidr", dir.resolve("clients.cidr"));
 * clients.lookup("192.0.2.7");
 * }</pre>
 *
 * A malformed rule is a {@link ConfigException} naming file and line. (Postfix logs it and skips the
 * rule, which silently changes the table's meaning; a test harness should fail instead.)
 */
public final class CidrTable implements LookupTable {
    private final String spec;
    private final ConditionalRules<byte[]> rules;

    private CidrTable(String spec, ConditionalRules<byte[]> rules) {
        this.spec = spec;
        this.rules = rules;
    }

    /** Reads {@code file}; {@code spec} is the {@code type:name} the table is reported as. */
    public static CidrTable open(String spec, Path file) {
        String source = file.toString();
        ConditionalRules.Builder<byte[]> rules = new ConditionalRules.Builder<>("cidr map", source);
        for (LogicalLines.Line line : LogicalLines.read(file)) {
            String text = LogicalLines.trimTrailing(line.text());
            try {
                parseRule(rules, line.number(), text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source, line.number(), null, e.getMessage());
            }
        }
        return new CidrTable(spec, rules.build());
    }

    private static void parseRule(ConditionalRules.Builder<byte[]> rules, int line, String text) {
        if (startsWithWord(text, "if")) {
            rules.beginIf(line, CidrPattern.parse(text.substring(2))::matches);
        } else if (startsWithWord(text, "endif")) {
            if (LogicalLines.skipSpace(text, 5) != text.length()) {
                throw new IllegalArgumentException("garbage after ENDIF");
            }
            rules.endIf(line);
        } else {
            int keyStart = skipNegation(text);
            int keyEnd = keyStart;
            while (keyEnd < text.length() && !LogicalLines.isSpace(text.charAt(keyEnd))) {
                keyEnd++;
            }
            CidrPattern pattern = CidrPattern.parse(text.substring(0, keyEnd));
            String value = text.substring(LogicalLines.skipSpace(text, keyEnd));
            if (value.isEmpty()) {
                throw new IllegalArgumentException("no lookup result");
            }
            Optional<String> result = Optional.of(value);
            rules.match(line, value, address -> pattern.matches(address) ? result : Optional.empty());
        }
    }

    /** Case-insensitive keyword not followed by a letter or digit, as Postfix recognizes IF/ENDIF. */
    static boolean startsWithWord(String text, String word) {
        return text.regionMatches(true, 0, word, 0, word.length())
                && (text.length() == word.length() || !Character.isLetterOrDigit(text.charAt(word.length())));
    }

    private static int skipNegation(String text) {
        int i = 0;
        while (i < text.length() && (text.charAt(i) == '!' || LogicalLines.isSpace(text.charAt(i)))) {
            i++;
        }
        return i;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> lookup(String key) {
        byte[] address = IpAddresses.parse(key);
        return address == null ? Optional.empty() : rules.lookup(address);
    }

    @Override
    public List<String> results() {
        return rules.results();
    }

    @Override
    public boolean partialAddressKeys() {
        return false;
    }

    @Override
    public String toString() {
        return spec;
    }
}
