package dev.mailrelay.tls;

import java.io.IOException;

/**
 * A TLS failure of the SMTP client, carrying what Postfix's smtp(8) records for it: the enhanced
 * status code and the reply-less reason that ends up in {@code status=deferred (...)} and in a bounce,
 * e.g. {@code 4.7.4} "TLS is required, but was not offered by host mail.isp.example[127.0.0.1]".
 *
 * <pre>{@code
 * } catch (SmtpTlsException e) {
 *     if (e.plaintextFallback()) { ... reconnect and deliver without TLS ... }
 *     else defer(e.dsn(), e.reason());       // "4.7.5", "Server certificate not verified"
 *     log.info("{}", e.detail());            // why, for the log only
 * }
 * }</pre>
 */
public final class SmtpTlsException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String dsn;
    private final String reason;
    private final String detail;
    private final boolean plaintextFallback;

    /**
     * @param dsn               the enhanced status code, {@code 4.7.4}, {@code 4.7.5}, ...
     * @param reason            Postfix's text for the delivery status
     * @param detail            what Postfix logs separately (the verification error), or {@code null}
     * @param plaintextFallback whether Postfix would retry the same server without TLS
     *                          ({@code may} level after a failed handshake)
     */
    public SmtpTlsException(String dsn, String reason, String detail, boolean plaintextFallback) {
        super(reason + (detail == null ? "" : " (" + detail + ")"));
        this.dsn = dsn;
        this.reason = reason;
        this.detail = detail;
        this.plaintextFallback = plaintextFallback;
    }

    /** The enhanced status code ({@code 4.7.5}). */
    public String dsn() {
        return dsn;
    }

    /** The delivery status text, exactly as Postfix writes it. */
    public String reason() {
        return reason;
    }

    /** The log-only explanation (trust or name mismatch, handshake error), or {@code null}. */
    public String detail() {
        return detail;
    }

    /** Whether delivery may be retried in plaintext (opportunistic TLS whose handshake failed). */
    public boolean plaintextFallback() {
        return plaintextFallback;
    }
}
