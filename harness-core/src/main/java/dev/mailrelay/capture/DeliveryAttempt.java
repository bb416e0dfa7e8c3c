package dev.mailrelay.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One delivery attempt of a queued message by a relay's SMTP client (or its local, discard or error
 * transports), as Postfix's {@code status=} log line records it, plus what a test asks about: which
 * next hop and host, with which SASL mechanism and login (never the password), over TLS or not.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#delivery-attempt -->
 * <pre>{@code
 * DeliveryAttempt d = relay.capture().awaitDeliveries(1, Duration.ofSeconds(10)).get(0);
 * assertEquals(DeliveryAttempt.Status.SENT, d.status());
 * assertEquals("alice@isp.example", d.saslUsername());
 * }</pre>
 *
 * @param queueId      the queue ID at the relay
 * @param instance     the relay instance
 * @param sender       the envelope sender as sent (after generic mapping)
 * @param recipients   the recipients this attempt covered, as sent
 * @param transport    the transport, e.g. {@code smtp}, {@code relay}, {@code discard}, {@code error}
 * @param nextHop      the next-hop destination as configured, e.g. {@code [mail.isp.example]:submission}
 * @param relay        the host reached, {@code host[address]:port}, or {@code none}
 * @param saslMethod   the mechanism used, or {@code null}
 * @param saslUsername the login used, or {@code null}
 * @param tls          the TLS state of the connection, or {@code null}
 * @param status       sent, deferred or bounced
 * @param dsn          the enhanced status code, e.g. {@code 2.0.0}
 * @param reply        the upstream reply or the reason, as in the log line's parentheses
 * @param delay        time from arrival to this attempt's end
 * @param time         when the attempt ended
 */
public record DeliveryAttempt(String queueId, String instance, String sender, List<String> recipients,
                              String transport, String nextHop, String relay, String saslMethod,
                              String saslUsername, TlsInfo tls, Status status, String dsn, String reply,
                              Duration delay, Instant time) {

    /** Postfix's delivery status words. */
    public enum Status { SENT, DEFERRED, BOUNCED;

        /** The word in the {@code status=} log field. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public DeliveryAttempt {
        recipients = List.copyOf(recipients);
    }
}
