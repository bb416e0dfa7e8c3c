package dev.mailrelay.smtp;

import dev.mailrelay.capture.DeliveryAttempt.Status;

/**
 * A server said no (greeting, EHLO, STARTTLS, AUTH): for this host, so the next one is tried, or
 * for the whole message, as smtp_trouble.c tells a site failure from a message failure.
 */
final class Refusal extends Exception {
    final Status status;
    final String dsn;
    final boolean finalForMessage;
    /** The server's reply that caused it (the DSN's remote diagnostic), or {@code null} for a local verdict. */
    final SmtpReply reply;

    Refusal(String message, Status status, String dsn, boolean finalForMessage) {
        this(message, status, dsn, finalForMessage, null);
    }

    Refusal(String message, Status status, String dsn, boolean finalForMessage, SmtpReply reply) {
        super(message, null, false, false);
        this.status = status;
        this.dsn = dsn;
        this.finalForMessage = finalForMessage;
        this.reply = reply;
    }
}
