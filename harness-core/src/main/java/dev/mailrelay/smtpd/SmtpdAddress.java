package dev.mailrelay.smtpd;

import java.util.ArrayList;
import java.util.List;

/**
 * Postfix's extract_addr() for MAIL FROM and RCPT TO: the address in angle brackets (or bare, as
 * Postfix accepts unless {@code strict_rfc821_envelopes}), then ESMTP parameters.
 */
final class SmtpdAddress {

    /** A parsed {@code FROM:<...> params} / {@code TO:<...> params} argument. */
    record Parsed(String address, List<String> parameters) {
    }

    /** The argument could not be parsed; {@code syntaxOnly} means the FROM:/TO: keyword itself was wrong. */
    static final class BadAddress extends Exception {
        final boolean syntaxOnly;

        BadAddress(boolean syntaxOnly) {
            super(null, null, false, false);
            this.syntaxOnly = syntaxOnly;
        }
    }

    private SmtpdAddress() {
    }

    /**
     * Parses {@code arg} (the text after the verb) that must start with {@code keyword}
     * ({@code FROM:} or {@code TO:}, case-insensitive).
     */
    static Parsed parse(String arg, String keyword, boolean strict) throws BadAddress {
        if (arg == null || arg.length() < keyword.length()
                || !arg.regionMatches(true, 0, keyword, 0, keyword.length())) {
            throw new BadAddress(true);
        }
        String rest = arg.substring(keyword.length());
        if (!rest.isEmpty() && rest.charAt(0) == ' ' && strict) {
            throw new BadAddress(false);
        }
        rest = rest.stripLeading();
        if (rest.isEmpty()) {
            throw new BadAddress(true);
        }
        String address;
        String tail;
        if (rest.charAt(0) == '<') {
            int close = closingBracket(rest);
            if (close < 0) {
                throw new BadAddress(false);
            }
            address = rest.substring(1, close);
            tail = rest.substring(close + 1);
            if (!tail.isEmpty() && tail.charAt(0) != ' ') {
                throw new BadAddress(false);
            }
        } else {
            if (strict) {
                throw new BadAddress(false);
            }
            int sp = rest.indexOf(' ');
            address = sp < 0 ? rest : rest.substring(0, sp);
            tail = sp < 0 ? "" : rest.substring(sp);
        }
        address = stripSourceRoute(address);
        if (!wellFormed(address)) {
            throw new BadAddress(false);
        }
        List<String> params = new ArrayList<>();
        for (String p : tail.strip().split(" +")) {
            if (!p.isEmpty()) {
                params.add(p);
            }
        }
        return new Parsed(address, params);
    }

    /** The domain part (lower case), or {@code null} for an address without {@code @}. */
    static String domain(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? null : address.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the address contains non-ASCII characters (needs SMTPUTF8). */
    static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    /**
     * Whether trivial-rewrite resolves the address without error, as smtpd_check_addr() asks: the
     * domain (trailing dots dropped) must be a valid host name or address literal, and without
     * SMTPUTF8 it must be ASCII.
     */
    static boolean resolvable(String address, boolean smtputf8) {
        String domain = domain(address);
        if (domain == null) {
            return true;
        }
        domain = domain.replaceAll("\\.+$", "");
        if (domain.isEmpty()) {
            return true;
        }
        if (domain.startsWith("[")) {
            return validHostLiteral(domain);
        }
        if (!isAscii(domain)) {
            // valid_utf8_hostname(): a UTF-8 name stands for its IDNA A-label form (approximated here).
            return smtputf8 && validHostname(domain.replaceAll("[^\\x00-\\x7f]", "a"));
        }
        return validHostname(domain);
    }

    /**
     * Postfix's valid_hostname(): labels of letters, digits, {@code _} and inner {@code -}, at most 63
     * characters each and 255 in all, no empty label (nor a trailing dot), not all numeric.
     */
    static boolean validHostname(String name) {
        if (name.isEmpty() || name.length() > 255) {
            return false;
        }
        int label = 0;
        boolean nonNumeric = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean last = i + 1 == name.length();
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '_')) {
                nonNumeric |= !Character.isDigit(c);
                if (++label > 63) {
                    return false;
                }
            } else if (c == '.') {
                if (label == 0 || last) {
                    return false;
                }
                label = 0;
            } else if (c == '-') {
                if (label == 0 || last || name.charAt(i + 1) == '.') {
                    return false;
                }
                nonNumeric = true;
                label++;
            } else {
                return false;
            }
        }
        return nonNumeric;
    }

    /** Postfix's valid_mailhost_literal(): {@code [IPv4 address]} or {@code [IPv6:address]}. */
    static boolean validHostLiteral(String literal) {
        if (!literal.startsWith("[") || !literal.endsWith("]")) {
            return false;
        }
        String a = literal.substring(1, literal.length() - 1);
        if (a.regionMatches(true, 0, "IPv6:", 0, 5)) {
            return a.substring(5).matches("[0-9A-Fa-f:.]+") && a.substring(5).contains(":");
        }
        String[] octets = a.split("\\.", -1);
        return octets.length == 4 && java.util.Arrays.stream(octets).allMatch(o -> o.matches("\\d{1,3}")
                && Integer.parseInt(o) <= 255);
    }

    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    // RFC 5321 source routes (@a,@b:user@domain) are accepted and dropped, as Postfix does.
    private static String stripSourceRoute(String address) {
        if (address.startsWith("@")) {
            int colon = address.indexOf(':');
            if (colon > 0) {
                return address.substring(colon + 1);
            }
        }
        return address;
    }

    /** No unquoted blanks, brackets or separators, balanced quotes, at most one unquoted '@' inside. */
    private static boolean wellFormed(String address) {
        boolean quoted = false;
        int ats = 0;
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '@') {
                ats++;
            } else if (!quoted && (c <= ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ','
                    || c == ';' || c == '\u007f')) {
                return false;
            }
        }
        return !quoted && ats <= 1 && !address.startsWith("@") && !address.endsWith("@");
    }
}
