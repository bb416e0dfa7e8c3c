package dev.mailrelay.tables;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * The result text of a regexp or pcre rule, parsed as Postfix's mac_parse() does: {@code $$} is a
 * dollar, {@code $1}, {@code ${1}} and {@code $(1)} insert a matched group (nothing when the group
 * did not match).
 */
final class Replacement {
    /** Literal strings and Integer group numbers, in order. */
    private final List<Object> parts;
    private final int maxGroup;

    private Replacement(List<Object> parts, int maxGroup) {
        this.parts = parts;
        this.maxGroup = maxGroup;
    }

    /**
     * @param minGroup the lowest group number allowed: 1 for regexp, 0 for pcre
     * @throws IllegalArgumentException on bad syntax, in Postfix's words
     */
    static Replacement parse(String text, int minGroup) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int maxGroup = -1;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 < text.length() && text.charAt(i + 1) == '$') {
                literal.append('$');
                i += 2;
                continue;
            }
            int nameStart = i + 1;
            int nameEnd;
            int next;
            char open = nameStart < text.length() ? text.charAt(nameStart) : 0;
            if (open == '{' || open == '(') {
                nameEnd = text.indexOf(open == '{' ? '}' : ')', ++nameStart);
                if (nameEnd < 0) {
                    throw new IllegalArgumentException("truncated macro reference: \"" + text + "\"");
                }
                next = nameEnd + 1;
            } else {
                nameEnd = nameStart;
                while (nameEnd < text.length()
                        && (Character.isLetterOrDigit(text.charAt(nameEnd)) || text.charAt(nameEnd) == '_')) {
                    nameEnd++;
                }
                next = nameEnd;
            }
            String name = text.substring(nameStart, nameEnd);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty macro name: \"" + text + "\"");
            }
            if (!name.chars().allMatch(d -> d >= '0' && d <= '9')) {
                throw new IllegalArgumentException("non-numeric replacement index \"" + name + "\"");
            }
            int group = name.length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(name);
            if (group < minGroup) {
                throw new IllegalArgumentException("out-of-range replacement index \"" + name + "\"");
            }
            if (literal.length() > 0) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(group);
            maxGroup = Math.max(maxGroup, group);
            i = next;
        }
        if (literal.length() > 0) {
            parts.add(literal.toString());
        }
        return new Replacement(List.copyOf(parts), maxGroup);
    }

    /** The highest group number referenced, or -1 when there is none. */
    int maxGroup() {
        return maxGroup;
    }

    String expand(Matcher matcher) {
        StringBuilder sb = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof Integer) {
                String group = matcher.group((Integer) part);
                sb.append(group == null ? "" : group);
            } else {
                sb.append(part);
            }
        }
        return sb.toString();
    }
}
