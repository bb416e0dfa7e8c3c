package dev.mailrelay.tables;

import dev.mailrelay.config.LogicalLines;

import java.util.ArrayList;
import java.util.List;

/**
 * Postfix's brace-aware string helpers: mystrtokq() with {@code "{}"} as the grouping characters,
 * and extpar() with whitespace stripping.
 */
final class BraceText {
    private static final String SEPARATORS = ", \t\r\n";

    private BraceText() {
    }

    /**
     * Splits on commas and whitespace, except inside (nested) braces, so that
     * {@code "hash:/a, inline:{ a=b, c=d }"} gives two tokens.
     */
    static List<String> split(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            if (SEPARATORS.indexOf(text.charAt(i)) >= 0) {
                i++;
                continue;
            }
            int start = i;
            int depth = 0;
            for (; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && depth > 0) {
                    depth--;
                } else if (depth == 0 && SEPARATORS.indexOf(c) >= 0) {
                    break;
                }
            }
            tokens.add(text.substring(start, i));
        }
        return tokens;
    }

    /**
     * The text between a leading {@code {} and its matching {@code }}, trimmed; the text must start
     * with the brace and end right after its match.
     *
     * @throws IllegalArgumentException with extpar()'s wording when it does not
     */
    static String unbrace(String text) {
        if (!text.startsWith("{")) {
            throw new IllegalArgumentException("no '{' at start of text in \"" + text + "\"");
        }
        int end = matchingBrace(text);
        if (end < 0) {
            throw new IllegalArgumentException("missing '}' in \"" + text + "\"");
        }
        if (end != text.length() - 1) {
            throw new IllegalArgumentException("syntax error after '}' in \"" + text + "\"");
        }
        String inner = text.substring(1, end);
        return LogicalLines.trimTrailing(inner.substring(LogicalLines.skipSpace(inner, 0)));
    }

    /** Index of the brace closing the one at index 0, or -1. */
    static int matchingBrace(String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
