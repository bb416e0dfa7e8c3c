package dev.mailrelay.smtpd;

import dev.mailrelay.global.Tok822;
import java.util.List;
import java.util.function.Predicate;

/**
 * Postfix's extract_addr() for MAIL FROM, RCPT TO and VRFY: the command's tokens as smtpd_token()
 * splits them ({@link SmtpdToken}), the address token read by tok822_parse() ({@link Tok822}) and
 * given on in internal (unquoted) form, then the ESMTP parameters.
 */
final class SmtpdAddress {

    /** A parsed {@code FROM:<...> params} / {@code TO:<...> params} argument: the internal address. */
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
     * mail_cmd()/rcpt_cmd(): {@code arg} (the text after the verb) must hold {@code keyword}
     * ({@code FROM:} or {@code TO:}, case-insensitive) as a token of its own and an address token.
     * The address may be empty; the caller judges that, and whether it resolves (smtpd_check_addr()).
     */
    static Parsed parse(String arg, String keyword, boolean strict) throws BadAddress {
        List<SmtpdToken.Token> tokens = SmtpdToken.tokenize(arg == null ? "" : arg);
        if (tokens.size() < 2 || !tokens.get(0).value().equalsIgnoreCase(keyword)) {
            throw new BadAddress(true);
        }
        SmtpdToken.Token address = tokens.get(1);
        if (address.error()) {
            throw new BadAddress(false);
        }
        return new Parsed(extract(address.value(), strict),
                tokens.subList(2, tokens.size()).stream().map(SmtpdToken.Token::value).toList());
    }

    /**
     * extract_addr() up to smtpd_check_addr(): the one address of an address token in internal form
     * ({@code ""} for none). Postfix accepts RFC 822 forms here (comments, phrases, nested brackets,
     * blanks inside the brackets) and drops a leading source route; strict_rfc821_envelopes wants the
     * token in {@code <>} with nothing but the address, and no address that starts with {@code @}.
     */
    static String extract(String token, boolean strict) throws BadAddress {
        String text = token.length() >= 2 && token.charAt(0) == '<' && token.charAt(token.length() - 1) == '>'
                ? token.substring(1, token.length() - 1) : token;
        // Truncate the deprecated route address form.
        int colon = text.indexOf(':');
        if (text.startsWith("@") && colon >= 0) {
            text = text.substring(colon + 1);
        }
        int naddr = 0;
        int nonAddr = 0;
        Tok822 addr = null;
        for (Tok822 tp = Tok822.parse(text); tp != null; tp = tp.next()) {
            if (tp.type() == Tok822.ADDR) {
                addr = tp;
                naddr++;
            } else if (tp.type() != '<' && tp.type() != '>') {
                nonAddr++;
            }
        }
        if (naddr > 1 || strict && (nonAddr > 0 || !token.startsWith("<"))) {
            throw new BadAddress(false);
        }
        String internal = addr == null ? "" : addr.head().internalize();
        if (strict && internal.startsWith("@")) {
            throw new BadAddress(false);
        }
        return internal;
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
     * smtpd_check_addr(): whether trivial-rewrite's resolve_addr() resolves the internal address
     * without error: the domain it ends with ({@link #resolve}) must be a valid host name or address
     * literal, and without SMTPUTF8 it must be ASCII. An empty address is not judged.
     */
    static boolean resolvable(String address, boolean smtputf8, Predicate<String> local) {
        if (address.isEmpty()) {
            return true;
        }
        String rcpt = resolve(address, true, local);
        if (rcpt == null || rcpt.indexOf('@') < 0) {
            return true;   // a resolver failure, or $myhostname: not an address error
        }
        String domain = rcpt.substring(rcpt.lastIndexOf('@') + 1);
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
     * resolve_addr()'s preliminary resolver on a non-empty internal address: local domains
     * ({@code local}) are stripped from the right with one trailing dot, and what remains is read for
     * routing operators again ({@code @}, also from a quoted local part; with swap_bangpath (always
     * yes here) {@code site!user} is {@code user@site}; with {@code percentHack} the last {@code %} is
     * an {@code @}); an empty local part is MAILER-DAEMON.
     *
     * @return the address with the domain it resolves to; without {@code @} for $myhostname; {@code null}
     *         when the resolver gives up
     */
    static String resolve(String address, boolean percentHack, Predicate<String> local) {
        String addr = address;
        String saved = null;
        for (int loop = 0; loop <= address.length() + 100; loop++) {
            // Strip a trailing dot at the end of the domain, but not dot-dot or at-dot.
            int n = addr.length();
            if (n >= 2 && addr.charAt(n - 1) == '.' && addr.indexOf('@') >= 0 && addr.charAt(n - 2) != '.'
                    && addr.charAt(n - 2) != '@') {
                addr = addr.substring(0, n - 1);
            }
            int at = addr.lastIndexOf('@');
            if (at >= 0) {
                String domain = addr.substring(at + 1);
                if (!domain.isEmpty() && !local.test(domain)) {
                    return addr;   // a remote domain
                }
                saved = addr.substring(at);
                addr = addr.substring(0, at);
            }
            int bang = addr.indexOf('!');
            int percent = addr.lastIndexOf('%');
            if (addr.indexOf('@') >= 0) {
                continue;
            } else if (bang >= 0) {
                addr = addr.substring(bang + 1) + "@" + addr.substring(0, bang);
                continue;
            } else if (percentHack && percent >= 0) {
                addr = addr.substring(0, percent) + "@" + addr.substring(percent + 1);
                continue;
            }
            if (addr.isEmpty()) {
                addr = "MAILER-DAEMON";   // empty_address_recipient
                continue;
            }
            return saved == null ? addr : addr + saved;
        }
        return null;   // "giving up after N iterations"
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
}
