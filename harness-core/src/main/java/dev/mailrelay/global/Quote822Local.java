package dev.mailrelay.global;

/**
 * Postfix's quote_822_local() (src/global quote_822_local.c, with QUOTE_FLAG_8BITCLEAN as
 * QUOTE_FLAG_DEFAULT has it): an internal address back to external form. A local part that is not an
 * RFC 822 dot-string becomes a quoted string; a source route and the domain are left alone. smtpd
 * keeps addresses in internal form ({@link Tok822}); the smtp client sends them, and the maillog shows
 * them ({@code info_log_address_format = external}), in this form.
 *
 * <pre>{@code
 * Quote822Local.quote("quoted user@example.com");   // "quoted user"@example.com
 * Quote822Local.quote("alice@example.com");         // alice@example.com
 * }</pre>
 */
public final class Quote822Local {

    private Quote822Local() {
    }

    /** quote_822_local(): the address with its local part quoted where RFC 822 needs it. */
    public static String quote(String mbox) {
        int colon = mbox.indexOf(':');
        int start = mbox.startsWith("@") && colon >= 0 ? colon + 1 : 0;
        int at = mbox.lastIndexOf('@');
        int end = at >= start ? at : mbox.length();
        if (isDotString(mbox, start, end)) {
            return mbox;
        }
        StringBuilder b = new StringBuilder(mbox.length() + 4).append(mbox, 0, start).append('"');
        for (int i = start; i < end; i++) {
            char ch = mbox.charAt(i);
            if (ch == '"' || ch == '\\' || ch == '\r') {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.append('"').append(mbox, end, mbox.length()).toString();
    }

    // is_822_dot_string(): atoms separated by single dots; 8-bit characters are left alone.
    private static boolean isDotString(String s, int start, int end) {
        if (start == end || s.charAt(start) == '.' || s.charAt(end - 1) == '.') {
            return false;
        }
        for (int i = start; i < end; i++) {
            char ch = s.charAt(i);
            if (ch == '.' && i + 1 < end && s.charAt(i + 1) == '.') {
                return false;
            }
            if (ch == ' ' || ch < 0x20 || ch == 0x7f || "()<>@,;:\\\"[]".indexOf(ch) >= 0) {
                return false;
            }
        }
        return true;
    }
}
