package dev.mailrelay.global;

import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.TlsInfo;
import java.util.List;

/**
 * What a transport reports back: the fate of each recipient, and about the connection used (what
 * Postfix's agents report through src/global's sent, defer and bounce clients and
 * {@code deliver_completed}).
 *
 * @param recipients   one status per requested recipient
 * @param relay        {@code host[addr]:port}, or {@code none}/{@code local}
 * @param sender       the envelope sender as it was sent (after generic mapping)
 * @param saslMethod   the SASL mechanism used, or {@code null}
 * @param saslUsername the SASL login used, or {@code null}
 * @param tls          the TLS state, or {@code null}
 */
public record DeliveryResult(List<RecipientStatus> recipients, String relay, String sender, String saslMethod,
                             String saslUsername, TlsInfo tls) {

    public DeliveryResult {
        recipients = List.copyOf(recipients);
    }

    /**
     * One recipient's outcome.
     *
     * @param recipient the recipient as queued
     * @param sentAs    the recipient as it was sent (after generic mapping)
     * @param status    sent, deferred or bounced
     * @param dsn       the enhanced status code
     * @param reason    the text in the log line's parentheses
     * @param remoteMta the host whose reply decided it (a DSN's {@code Remote-MTA: dns; host}), or
     *                  {@code null} when the verdict is local (a failed connect, TLS, a lookup)
     * @param remoteReply that host's reply ({@code Diagnostic-Code: smtp; 550 5.1.1 ...}), or {@code null}
     */
    public record RecipientStatus(String recipient, String sentAs, DeliveryAttempt.Status status, String dsn,
                                  String reason, String remoteMta, String remoteReply) {
    }

    /** The same outcome for every recipient, with no connection (local, discard, error, a failed connect). */
    public static DeliveryResult all(DeliveryRequest request, String relay, DeliveryAttempt.Status status, String dsn,
                                     String reason) {
        return new DeliveryResult(request.recipients().stream()
                .map(r -> new RecipientStatus(r, r, status, dsn, reason, null, null)).toList(), relay,
                request.message().sender(), null, null, null);
    }
}
