package dev.mailrelay.tables;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.ConfigException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;

/**
 * The ordered rule list shared by regexp, pcre and cidr tables: the first matching rule gives the
 * result, and an {@code if} rule whose condition fails skips everything up to its {@code endif}.
 *
 * @param <K> the key as the rules see it (the string for regexp tables, address bytes for cidr)
 */
final class ConditionalRules<K> {
    private static final Logger log = Maillog.logger(ConditionalRules.class);

    /** A match rule ({@code condition == null}) or an {@code if} ({@code action == null}). */
    private static final class Rule<K> {
        final Predicate<K> condition;
        final Function<K, Optional<String>> action;
        final int line;
        /** For an if: index of the first rule after its endif, or -1 while (or when left) unclosed. */
        int end = -1;

        Rule(Predicate<K> condition, Function<K, Optional<String>> action, int line) {
            this.condition = condition;
            this.action = action;
            this.line = line;
        }
    }

    private final List<Rule<K>> rules;
    private final List<String> results;

    private ConditionalRules(List<Rule<K>> rules, List<String> results) {
        this.rules = rules;
        this.results = results;
    }

    /** The result text of every match rule, in file order ({@code $n} substitutions unexpanded). */
    List<String> results() {
        return results;
    }

    Optional<String> lookup(K key) {
        for (int i = 0; i < rules.size(); i++) {
            Rule<K> rule = rules.get(i);
            if (rule.action != null) {
                Optional<String> result = rule.action.apply(key);
                if (result.isPresent()) {
                    return result;
                }
            } else if (!rule.condition.test(key)) {
                // Postfix: an if without endif that does not match ends the search.
                if (rule.end < 0) {
                    return Optional.empty();
                }
                i = rule.end - 1;
            }
        }
        return Optional.empty();
    }

    static final class Builder<K> {
        private final String source;
        private final String type;
        private final List<Rule<K>> rules = new ArrayList<>();
        private final List<String> results = new ArrayList<>();
        private final Deque<Rule<K>> open = new ArrayDeque<>();

        /** {@code type} ("regexp map", "cidr map") and {@code source} name the table in messages. */
        Builder(String type, String source) {
            this.type = type;
            this.source = source;
        }

        /** A match rule giving {@code result} (as written) through {@code action}. */
        void match(int line, String result, Function<K, Optional<String>> action) {
            rules.add(new Rule<>(null, action, line));
            results.add(result);
        }

        void beginIf(int line, Predicate<K> condition) {
            Rule<K> rule = new Rule<>(condition, null, line);
            rules.add(rule);
            open.push(rule);
        }

        void endIf(int line) {
            if (open.isEmpty()) {
                throw new ConfigException(source, line, null, "ENDIF without IF");
            }
            open.pop().end = rules.size();
        }

        ConditionalRules<K> build() {
            for (Rule<K> rule : open) {
                log.warn("{} {}, line {}: IF has no matching ENDIF", type, source, rule.line);
            }
            return new ConditionalRules<>(List.copyOf(rules), List.copyOf(results));
        }
    }
}
