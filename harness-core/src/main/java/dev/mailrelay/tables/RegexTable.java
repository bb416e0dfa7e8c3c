package dev.mailrelay.tables;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.LogicalLines;

import dev.mailrelay.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import org.slf4j.Logger;

/**
 * {@code regexp:file} and {@code pcre:file} tables: rules {@code /pattern/flags result} and
 * {@code !/pattern/ result}, tried in file order, grouped by {@code if /pattern/} ... {@code endif}.
 * Patterns are case-insensitive unless the {@code i} flag toggles that off; any non-blank character
 * may serve as delimiter. Results may use {@code $1}, {@code ${1}}, {@code $(1)} and {@code $$}.
 *
 * <pre>{@code
 * LookupTable t = RegexTable.open("regexp:senders", dir.resolve("senders"), RegexDialect.REGEXP);
 * // file: /^(.*)@example\.com$/   user-$1
 * t.lookup("joe@EXAMPLE.com"); // Optional[user-joe]
 * }</pre>
 *
 * Rules Postfix would log and skip (bad pattern, unknown flag, bad {@code $n}) are a
 * {@link ConfigException} naming file and line instead: a skipped rule silently changes the table.
 */
public final class RegexTable implements LookupTable {
    private static final Logger log = Maillog.logger(RegexTable.class);

    private final String spec;
    private final ConditionalRules<String> rules;

    private RegexTable(String spec, ConditionalRules<String> rules) {
        this.spec = spec;
        this.rules = rules;
    }

    /** Reads {@code file} as a {@code regexp:} or {@code pcre:} table, reported as {@code spec}. */
    static RegexTable open(String spec, Path file, RegexDialect dialect) {
        String source = file.toString();
        String mapName = dialect.type + " map";
        ConditionalRules.Builder<String> rules = new ConditionalRules.Builder<>(mapName, source);
        for (LogicalLines.Line line : LogicalLines.read(file)) {
            try {
                new LineParser(dialect, LogicalLines.trimTrailing(line.text()), mapName + " " + source, line.number())
                        .addTo(rules);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source, line.number(), null, e.getMessage());
            }
        }
        return new RegexTable(spec, rules.build());
    }

    /** One pattern with its negation: {@link #test} gives the matcher, or null when the rule fails. */
    private record Condition(RegexDialect.Compiled compiled, boolean match) {
        boolean test(String key) {
            return (compiled.match(key) != null) == match;
        }
    }

    private static final class LineParser {
        private final RegexDialect dialect;
        private final String text;
        private final String where;
        private final int line;
        private int pos;

        LineParser(RegexDialect dialect, String text, String where, int line) {
            this.dialect = dialect;
            this.text = text;
            this.where = where;
            this.line = line;
        }

        void addTo(ConditionalRules.Builder<String> rules) {
            if (!Character.isLetterOrDigit(text.charAt(0))) {
                addMatchRule(rules);
            } else if (CidrTable.startsWithWord(text, "if")) {
                pos = 2;
                Condition condition = condition();
                warnExtraText("IF statement");
                rules.beginIf(line, condition::test);
            } else if (CidrTable.startsWithWord(text, "endif")) {
                pos = 5;
                warnExtraText("ENDIF");
                rules.endIf(line);
            } else {
                throw new IllegalArgumentException("unrecognized request");
            }
        }

        private void addMatchRule(ConditionalRules.Builder<String> rules) {
            Condition first = condition();
            Condition second = null;
            if (dialect.allowsSecondPattern() && pos < text.length() && text.charAt(pos) == '!') {
                second = condition();
            }
            String result = text.substring(LogicalLines.skipSpace(text, pos));
            if (result.isEmpty()) {
                log.warn("{}, line {}: no replacement text: using empty string", where, line);
            }
            Replacement replacement = Replacement.parse(result, dialect.minGroup);
            if (replacement.maxGroup() >= 0 && !first.match()) {
                throw new IllegalArgumentException("$number found in negative match replacement text");
            }
            if (replacement.maxGroup() > first.compiled().pattern().matcher("").groupCount()) {
                throw new IllegalArgumentException("out of range replacement index \"" + replacement.maxGroup() + "\"");
            }
            Condition extra = second;
            rules.match(line, result, key -> {
                Matcher matcher = first.compiled().match(key);
                if ((matcher != null) != first.match() || (extra != null && !extra.test(key))) {
                    return Optional.empty();
                }
                return Optional.of(replacement.expand(matcher)); // no $n when negated
            });
        }

        /** Parses {@code [!...]<delim>pattern<delim>flags} at {@code pos}. */
        private Condition condition() {
            boolean match = true;
            for (; pos < text.length(); pos++) {
                char c = text.charAt(pos);
                if (c == '!') {
                    match = !match;
                } else if (!LogicalLines.isSpace(c)) {
                    break;
                }
            }
            if (pos == text.length()) {
                throw new IllegalArgumentException("no regexp");
            }
            char delimiter = text.charAt(pos++);
            int start = pos;
            while (pos < text.length() && text.charAt(pos) != delimiter) {
                pos += text.charAt(pos) == '\\' && pos + 1 < text.length() ? 2 : 1;
            }
            if (pos >= text.length()) {
                throw new IllegalArgumentException("no closing regexp delimiter \"" + delimiter + "\"");
            }
            String regex = text.substring(start, pos++);
            int flagStart = pos;
            while (pos < text.length() && !LogicalLines.isSpace(text.charAt(pos))
                    && dialect.flagTerminators.indexOf(text.charAt(pos)) < 0) {
                pos++;
            }
            return new Condition(dialect.compile(regex, text.substring(flagStart, pos)), match);
        }

        /** Postfix ignores, with a warning, text after IF /pattern/ or ENDIF. */
        private void warnExtraText(String statement) {
            String extra = text.substring(LogicalLines.skipSpace(text, pos));
            if (!extra.isEmpty()) {
                log.warn("{}, line {}: ignoring extra text after {}: \"{}\"", where, line, statement, extra);
            }
        }
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> lookup(String key) {
        return rules.lookup(key);
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
