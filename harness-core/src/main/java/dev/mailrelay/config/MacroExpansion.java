package dev.mailrelay.config;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Postfix 3.7's macro language, as mac_parse() and mac_expand() implement it for main.cf values
 * ({@code MAC_EXP_FLAG_RECURSE}): {@code $name}, {@code ${name}}, {@code $(name)}, {@code $$};
 * {@code ${name?text}}, {@code ${name:text}}, {@code ${name?{text}:{text}}}; and the relational
 * expressions of Postfix 3.0, {@code ${{text} op {text}?{a}:{b}}} with {@code ==}, {@code !=},
 * {@code <}, {@code <=}, {@code >}, {@code >=} (numerical when both sides are all digits, else by
 * string) and their {@code level} forms comparing compatibility levels ({@code <level}, ...). A
 * syntax error is a {@link ConfigException} with Postfix's own warning text, naming the parameter
 * whose value holds the expression.
 *
 * <p>Postfix bounds only the nesting depth (100); a chain such as {@code a = $b$b}, {@code b = $c$c},
 * ... grows exponentially without nesting deeply, so one expansion is also bounded in size (1 MiB of
 * output plus references, far above any real main.cf value).
 *
 * <pre>{@code
 * new MacroExpansion(params::lookup, params::error, "relay_domains")
 *     .expand("relay_domains", "${{$compatibility_level} <level {2} ? {$mydestination} : {}}");
 * }</pre>
 */
final class MacroExpansion {

    static final int MAX_NESTING = 100;
    static final int MAX_SIZE = 1 << 20;

    private static final String WHITESPACE = " \t\r\n";
    private static final List<String> OPERATORS = List.of("==", "!=", "<", "<=", ">=", ">");
    /** MAC_EXP_OP_STR_ANY, quotes as Postfix prints them. */
    private static final String ANY_OPERATOR =
            "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\"";

    private final Function<String, String> lookup;
    private final BiFunction<String, String, ConfigException> error;
    private final String top;
    private int used;
    private int level;

    /**
     * @param lookup the raw value of a parameter, {@code null} when it is not defined
     * @param error  an error about a parameter: (name, message)
     * @param top    the parameter being read, named when the size bound is hit
     */
    MacroExpansion(Function<String, String> lookup, BiFunction<String, String, ConfigException> error, String top) {
        this.lookup = lookup;
        this.error = error;
        this.top = top;
    }

    /** Expands {@code text}, the value of parameter {@code owner}. */
    String expand(String owner, String text) {
        StringBuilder out = new StringBuilder();
        parse(owner, text, out);
        return out.toString();
    }

    // mac_parse(): literal text, $$, and $name / ${...} / $(...) references.
    private void parse(String owner, String value, StringBuilder out) {
        int n = value.length();
        int i = 0;
        while (i < n) {
            char c = value.charAt(i);
            if (c != '$') {
                literal(out, c);
                i++;
                continue;
            }
            if (i + 1 < n && value.charAt(i + 1) == '$') {
                literal(out, '$');
                i += 2;
                continue;
            }
            i++;
            String expr;
            if (i < n && (value.charAt(i) == '{' || value.charAt(i) == '(')) {
                char open = value.charAt(i);
                char close = open == '{' ? '}' : ')';
                int depth = 1;
                int j = i + 1;
                while (depth > 0) {
                    if (j >= n) {
                        throw error.apply(owner, "truncated macro reference: \"" + value + "\"");
                    }
                    char d = value.charAt(j++);
                    if (d == open) {
                        depth++;
                    } else if (d == close) {
                        depth--;
                    }
                }
                expr = value.substring(i + 1, j - 1);
                i = j;
            } else {
                int j = i;
                while (j < n && isNameChar(value.charAt(j))) {
                    j++;
                }
                expr = value.substring(i, j);
                i = j;
            }
            if (expr.isEmpty()) {
                throw error.apply(owner, "empty macro name: \"" + value + "\"");
            }
            expression(owner, expr, out);
        }
    }

    // mac_expand_callback() for one ${...} expression.
    private void expression(String owner, String buf, StringBuilder out) {
        if (level++ > MAX_NESTING) {
            throw error.apply(owner, "unreasonable macro call nesting: \"" + buf + "\"");
        }
        try {
            int len = buf.length();
            int cp = span(buf, 0, WHITESPACE);
            char ch;
            String value;
            String valueOwner = owner;
            if (cp < len && buf.charAt(cp) == '{') {
                int[] pos = {cp};
                value = relational(owner, buf, pos) ? "true" : "";
                cp = pos[0];
                ch = cp < len ? buf.charAt(cp) : 0;
                if (ch != 0) {
                    if (ch != '?' && ch != ':') {
                        throw error.apply(owner, "\"?\" or \":\" expected at: \"...}>>>" + first20(buf, cp) + "\"");
                    }
                    cp++;
                }
            } else {
                int start = cp;
                String name;
                for (;; cp++) {
                    int ws = span(buf, cp, WHITESPACE);
                    if (cp + ws >= len) {
                        name = buf.substring(start, cp);
                        ch = 0;
                        break;
                    }
                    char next = buf.charAt(cp + ws);
                    if (next == '?' || next == ':') {
                        name = buf.substring(start, cp);
                        ch = next;
                        cp += ws + 1;
                        break;
                    }
                    if (!isNameChar(buf.charAt(cp))) {
                        throw error.apply(owner, "attribute name syntax error at: \"..." + buf.substring(0, cp)
                                + ">>>" + first20(buf, cp) + "\"");
                    }
                }
                spend(1);
                value = lookup.apply(name);
                valueOwner = name;
            }
            boolean set = value != null && !value.isEmpty();
            if (ch == 0) {
                if (set) {
                    parse(valueOwner, value, out);
                }
                return;
            }
            if (ch == '?') {
                Operand ifTrue = operand(owner, buf, cp);
                if (set) {
                    parse(owner, ifTrue.text(), out);
                }
                cp = ifTrue.end();
                if (cp >= len) {
                    return;
                }
                if (buf.charAt(cp) != ':') {
                    throw error.apply(owner, "\":\" expected at: \"..." + ifTrue.text() + "}>>>" + first20(buf, cp) + "\"");
                }
                cp++;
            }
            Operand ifFalse = operand(owner, buf, cp);
            if (!set) {
                parse(owner, ifFalse.text(), out);
            }
            if (ifFalse.end() < len) {
                throw error.apply(owner, "unexpected input at: \"..." + ifFalse.text() + "}>>>"
                        + first20(buf, ifFalse.end()) + "\"");
            }
        } finally {
            level--;
        }
    }

    /** A result operand and the position after it. */
    private record Operand(String text, int end) {
    }

    /** A result operand at {@code cp}: {@code {text}} (surrounding white space skipped) or the rest. */
    private Operand operand(String owner, String buf, int cp) {
        int ws = span(buf, cp, WHITESPACE);
        if (cp + ws < buf.length() && buf.charAt(cp + ws) == '{') {
            int[] pos = {cp + ws};
            String payload = curly(owner, buf, pos);
            return new Operand(payload, pos[0]);
        }
        return new Operand(buf.substring(cp), buf.length());
    }

    // mac_exp_extract_curly_payload(): balanced {...} at pos[0]; pos[0] moves past it and white space.
    private String curly(String owner, String buf, int[] pos) {
        int open = pos[0];
        int depth = 1;
        int cp = open + 1;
        for (;; cp++) {
            if (cp >= buf.length()) {
                throw error.apply(owner, "unbalanced {} in attribute expression: \"" + buf.substring(open) + "\"");
            }
            char c = buf.charAt(cp);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth <= 0) {
                break;
            }
        }
        pos[0] = cp + 1 + span(buf, cp + 1, WHITESPACE);
        return buf.substring(open + 1, cp);
    }

    // mac_exp_parse_relational(): {left} op[level] {right}, both sides expanded before comparing.
    private boolean relational(String owner, String buf, int[] pos) {
        String left = curly(owner, buf, pos);
        int cp = pos[0];
        int opLen = span(buf, cp, "<>!=?+-*/~&|%");
        String op = buf.substring(cp, cp + opLen);
        if (!OPERATORS.contains(op)) {
            throw error.apply(owner, ANY_OPERATOR + " expected at: \"..." + left + "}>>>" + first20(buf, cp) + "\"");
        }
        cp += opLen;
        boolean compatLevel = false;
        if (cp < buf.length() && isAlnum(buf.charAt(cp))) {
            int end = cp;
            while (end < buf.length() && isAlnum(buf.charAt(end))) {
                end++;
            }
            if (!buf.substring(cp, end).equals("level")) {
                throw error.apply(owner, "bad operator suffix at: \"..." + op + ">>>" + buf.substring(cp, end) + "\"");
            }
            compatLevel = true;
            cp = end;
        }
        int ws = span(buf, cp, WHITESPACE);
        if (cp + ws >= buf.length() || buf.charAt(cp + ws) != '{') {
            throw error.apply(owner, "\"{expression}\" expected at: \"...{" + left + "} " + op + ">>>"
                    + first20(buf, cp) + "\"");
        }
        pos[0] = cp + ws;
        String right = curly(owner, buf, pos);
        String l = expand(owner, left);
        String r = expand(owner, right);
        int delta;
        if (compatLevel) {
            delta = Long.compare(compatLevel(owner, l), compatLevel(owner, r));
        } else if (allDigits(l) && allDigits(r)) {
            delta = Long.compare(number(owner, l), number(owner, r));
        } else {
            delta = l.compareTo(r);
        }
        return switch (op) {
            case "==" -> delta == 0;
            case "!=" -> delta != 0;
            case "<" -> delta < 0;
            case "<=" -> delta <= 0;
            case ">=" -> delta >= 0;
            default -> delta > 0;
        };
    }

    private long number(String owner, String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error.apply(owner, "mac_exp_eval: bad conversion: " + digits);
        }
    }

    private long compatLevel(String owner, String text) {
        long level = compatibilityLevel(text);
        if (level < 0) {
            throw error.apply(owner, "malformed compatibility level syntax: \"" + text + "\"");
        }
        return level;
    }

    /**
     * compat_level_from_string(): {@code major[.minor[.patch]]} as one comparable number (10 bits for
     * minor and patch each), or -1 when malformed.
     */
    static long compatibilityLevel(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length > 3) {
            return -1;
        }
        long result = 0;
        int[] shifts = {20, 10, 0};
        for (int i = 0; i < parts.length; i++) {
            if (!allDigits(parts[i]) || parts[i].length() > 18) {
                return -1;
            }
            long v = Long.parseLong(parts[i]);
            if ((i == 0 && v > (Long.MAX_VALUE >> 20)) || (i > 0 && v > 0x3ff)) {
                return -1;
            }
            result |= v << shifts[i];
        }
        return result;
    }

    private void literal(StringBuilder out, char c) {
        spend(1);
        out.append(c);
    }

    private void spend(int work) {
        used += work;
        if (used > MAX_SIZE) {
            throw error.apply(top, "unreasonable macro expansion size: \"" + top + "\" expands to more than "
                    + MAX_SIZE + " characters or references");
        }
    }

    private static String first20(String s, int from) {
        return s.substring(from, Math.min(s.length(), from + 20));
    }

    private static int span(String s, int from, String chars) {
        int i = from;
        while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return i - from;
    }

    private static boolean allDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean isAlnum(char c) {
        return c < 128 && Character.isLetterOrDigit(c);
    }

    static boolean isNameChar(char c) {
        return c == '_' || isAlnum(c);
    }
}
