package dev.mailrelay.tables;

import java.util.Map;

/**
 * Translates a POSIX regular expression (glibc regcomp(3) flavour, as Postfix's regexp tables use)
 * into java.util.regex syntax. Handles bracket expressions ({@code [[:alpha:]]}, a leading {@code ]},
 * backslash as a literal inside brackets), basic (non-extended) syntax and the GNU escapes
 * {@code \< \> \` \'}. Not translated: POSIX leftmost-longest matching, which can pick different
 * groups than Java for ambiguous alternations.
 */
final class PosixRegex {
    private static final Map<String, String> CLASSES = Map.ofEntries(
            Map.entry("alpha", "\\p{Alpha}"), Map.entry("digit", "\\p{Digit}"),
            Map.entry("alnum", "\\p{Alnum}"), Map.entry("upper", "\\p{Upper}"),
            Map.entry("lower", "\\p{Lower}"), Map.entry("space", "\\p{Space}"),
            Map.entry("blank", "\\p{Blank}"), Map.entry("punct", "\\p{Punct}"),
            Map.entry("print", "\\p{Print}"), Map.entry("graph", "\\p{Graph}"),
            Map.entry("cntrl", "\\p{Cntrl}"), Map.entry("xdigit", "\\p{XDigit}"));
    /** GNU escapes with the same meaning in Java. */
    private static final String SAME_ESCAPES = "wWsSbB123456789";
    /** Characters that are operators in extended syntax but need a backslash in basic syntax. */
    private static final String BASIC_SWAPPED = "(){}|+?";

    private PosixRegex() {
    }

    /**
     * @param extended REG_EXTENDED (Postfix's default; the {@code x} flag turns it off)
     * @throws IllegalArgumentException for syntax Java cannot reproduce or that is malformed
     */
    static String toJava(String posix, boolean extended) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < posix.length()) {
            char c = posix.charAt(i);
            if (c == '[') {
                i = bracket(posix, i, out);
            } else if (c == '\\') {
                if (++i == posix.length()) {
                    throw new IllegalArgumentException("Trailing backslash");
                }
                escape(posix.charAt(i++), extended, out);
            } else {
                boolean operator = extended || BASIC_SWAPPED.indexOf(c) < 0;
                // A '{' that starts no interval is a literal in glibc, an error in Java.
                if (c == '{' && extended && !(i + 1 < posix.length() && Character.isDigit(posix.charAt(i + 1)))) {
                    operator = false;
                }
                appendChar(c, operator, out);
                i++;
            }
        }
        return out.toString();
    }

    private static void escape(char c, boolean extended, StringBuilder out) {
        if (!extended && BASIC_SWAPPED.indexOf(c) >= 0) {
            out.append(c);
        } else if (c == '<') {
            out.append("\\b(?=\\w)");
        } else if (c == '>') {
            out.append("\\b(?<=\\w)");
        } else if (c == '`') {
            out.append("\\A");
        } else if (c == '\'') {
            out.append("\\z");
        } else if (SAME_ESCAPES.indexOf(c) >= 0) {
            out.append('\\').append(c);
        } else if (Character.isLetterOrDigit(c)) {
            // e.g. \d: a digit class in Java, but not in POSIX (glibc matches neither "5" nor "d").
            throw new IllegalArgumentException("unsupported escape \\" + c);
        } else {
            appendChar(c, false, out);
        }
    }

    private static void appendChar(char c, boolean operator, StringBuilder out) {
        if (!operator && !Character.isLetterOrDigit(c) && c < 0x80) {
            out.append('\\');
        }
        out.append(c);
    }

    /** Copies the bracket expression starting at {@code start}; returns the index after it. */
    private static int bracket(String posix, int start, StringBuilder out) {
        int i = start + 1;
        out.append('[');
        if (i < posix.length() && posix.charAt(i) == '^') {
            out.append('^');
            i++;
        }
        boolean first = true;
        while (i < posix.length()) {
            char c = posix.charAt(i);
            if (c == ']' && !first) {
                out.append(']');
                return i + 1;
            }
            first = false;
            if (c == '[' && i + 1 < posix.length() && ":=.".indexOf(posix.charAt(i + 1)) >= 0) {
                char kind = posix.charAt(i + 1);
                int end = posix.indexOf(kind + "]", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("Unmatched [ or [^");
                }
                String name = posix.substring(i + 2, end);
                if (kind != ':' || !CLASSES.containsKey(name)) {
                    throw new IllegalArgumentException("Invalid character class name [" + kind + name + kind + "]");
                }
                out.append(CLASSES.get(name));
                i = end + 2;
            } else {
                // Ranges keep their '-'; every other punctuation character is literal inside brackets.
                appendChar(c, c == '-', out);
                i++;
            }
        }
        throw new IllegalArgumentException("Unmatched [ or [^");
    }
}
