package dev.mailrelay.smtpd;

import java.util.ArrayList;
import java.util.List;

/**
 * Postfix's smtpd_token.c: an SMTP command line split into tokens at white space, where
 * {@code <...>} (nesting) and {@code "..."} keep their blanks, a backslash escapes the next
 * character, and {@code TO:} / {@code FROM:} end a token at their colon. Quotes and backslashes stay
 * in the token (the address parser needs the external form). A token whose quote or bracket is not
 * closed is an {@link Token#error() error} token.
 */
final class SmtpdToken {

    /** One token: its text, and whether a quote or bracket in it was left open (SMTPD_TOK_ERROR). */
    record Token(String value, boolean error) {
    }

    private SmtpdToken() {
    }

    /** smtpd_token(): the tokens of {@code line}, which ends at a NUL character as Postfix's C string does. */
    static List<Token> tokenize(String line) {
        List<Token> tokens = new ArrayList<>();
        int[] pos = {0};
        Token t;
        while ((t = nextToken(line, pos)) != null) {
            tokens.add(t);
        }
        return tokens;
    }

    /**
     * smtpd.c's command loop: the command verb is the first token, so it ends at any white space
     * (TAB as well as blank), leading white space is skipped and blanks may repeat. Returns the verb
     * and the rest of the line without white space at its ends ({@code null} if none), or
     * {@code null} for a line of white space only. A verb is a token of letters, so splitting at the
     * first white space finds every verb Postfix knows.
     */
    static String[] verbAndArgument(String line) {
        String trimmed = strip(line);
        if (trimmed.isEmpty()) {
            return null;
        }
        int end = 0;
        while (end < trimmed.length() && !space(trimmed.charAt(end))) {
            end++;
        }
        String rest = strip(trimmed.substring(end));
        return new String[] {trimmed.substring(0, end), rest.isEmpty() ? null : rest};
    }

    /** {@code s} without ISSPACE() white space at either end (String.strip() also takes Unicode blanks). */
    static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && space(s.charAt(from))) {
            from++;
        }
        while (to > from && space(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    /** The values of the tokens of {@code line}, for commands that take words (AUTH, ETRN, HELO). */
    static List<String> words(String line) {
        return tokenize(line == null ? "" : line).stream().map(Token::value).toList();
    }

    private static int at(String s, int i) {
        return i < s.length() ? s.charAt(i) : 0;
    }

    // ISSPACE(): the C locale's white space.
    static boolean space(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    // smtp_next_token()
    private static Token nextToken(String s, int[] pos) {
        StringBuilder b = new StringBuilder();
        boolean[] error = {false};
        int c;
        while ((c = at(s, pos[0])) != 0) {
            pos[0]++;
            if (space(c)) {
                while (at(s, pos[0]) != 0 && space(at(s, pos[0]))) {
                    pos[0]++;
                }
                if (b.length() > 0) {
                    break;
                }
            } else if (c == '<') {
                quoted(s, pos, b, c, '>', error);
            } else if (c == '"') {
                quoted(s, pos, b, c, c, error);
            } else if (c == ':') {
                // "this is gross, but...": FROM: and TO: are tokens of their own.
                b.append((char) c);
                String sofar = b.toString();
                if (sofar.equalsIgnoreCase("to:") || sofar.equalsIgnoreCase("from:")) {
                    break;
                }
            } else {
                if (c == '\\') {
                    b.append((char) c);
                    if ((c = at(s, pos[0])) == 0) {
                        break;
                    }
                    pos[0]++;
                }
                b.append((char) c);
            }
        }
        return b.length() == 0 ? null : new Token(b.toString(), error[0]);
    }

    // smtp_quoted(): up to the closing quote; "..." nests inside <...>, <...> inside <...>.
    private static void quoted(String s, int[] pos, StringBuilder b, int start, int last, boolean[] error) {
        StringBuilder stack = new StringBuilder();
        int wanted = last;
        stack.append((char) wanted);
        b.append((char) start);
        int c;
        while ((c = at(s, pos[0])) != 0) {
            pos[0]++;
            b.append((char) c);
            if (c == '\\') {
                if ((c = at(s, pos[0])) == 0) {
                    break;
                }
                pos[0]++;
                b.append((char) c);
            } else if (c == wanted) {
                if (stack.length() == 1) {
                    return;
                }
                stack.setLength(stack.length() - 1);
                wanted = stack.charAt(stack.length() - 1);
            } else if (c == '"') {
                stack.append((char) (wanted = '"'));
            } else if (c == '<' && wanted == '>') {
                stack.append((char) (wanted = '>'));
            }
        }
        error[0] = true;   // missing end
    }
}
