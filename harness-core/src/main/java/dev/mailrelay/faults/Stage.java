package dev.mailrelay.faults;

/**
 * Where in an SMTP session a fault strikes, named after the states smtpd(8) logs
 * ({@code reject: RCPT from ...}, {@code lost connection after DATA}).
 */
public enum Stage {
    /** The connection, before the greeting: a reply replaces {@code 220}, a disconnect sends nothing. */
    CONNECT,
    /** A command as it arrives, before smtpd handles it ({@link Faults#onCommand(String)}). */
    COMMAND,
    /** AUTH, once the client has sent its response: the fault's reply replaces the verdict. */
    AUTH,
    /** MAIL FROM, once the sender is parsed, before the restrictions. */
    MAIL,
    /** RCPT TO, once the recipient is parsed, before the restrictions. */
    RCPT,
    /**
     * The end of the content (DATA's final dot or BDAT LAST): a reply refuses the message before it
     * is queued; a disconnect comes after it is queued, instead of the {@code 250}.
     */
    DATA
}
