package dev.mailrelay.global;

import dev.mailrelay.config.Parameters;
import java.util.Locale;

/**
 * Postfix's info_log_addr_form.c: an envelope address as the maillog shows it in {@code from=<...>}
 * and {@code to=<...>}. With {@code info_log_address_format = external} (the default since Postfix
 * 3.5) the local part is quoted where RFC 822 needs it ({@link Quote822Local}); {@code internal}
 * logs the address as the daemons keep it. The null sender stays {@code <>}. What the capture API
 * returns is not affected: it keeps the internal form.
 *
 * <pre>{@code
 * InfoLogAddrForm form = InfoLogAddrForm.of(params);   // info_log_address_format = external
 * form.format("a b@example.com");                       // "a b"@example.com
 * }</pre>
 */
public final class InfoLogAddrForm {

    private final boolean external;

    private InfoLogAddrForm(boolean external) {
        this.external = external;
    }

    /** The form {@code info_log_address_format} names (checked at start as one of external, internal). */
    public static InfoLogAddrForm of(Parameters params) {
        // name_code() without NAME_CODE_FLAG_STRICT_CASE: the value's case does not matter.
        return new InfoLogAddrForm(params.get("info_log_address_format").strip().toLowerCase(Locale.ROOT)
                .equals("external"));
    }

    /** info_log_addr_form_sender() and _recipient(): {@code addr} (internal form) as the log shows it. */
    public String format(String addr) {
        return addr.isEmpty() || !external ? addr : Quote822Local.quote(addr);
    }
}
