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

    Refusal(String message, Status status, String dsn, boolean finalForMessage) {
        super(message, null, false, false);
        this.status = status;
        this.dsn = dsn;
        this.finalForMessage = finalForMessage;
    }
}
