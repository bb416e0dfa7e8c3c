package dev.mailrelay.qmgr;

import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.global.DeliveryResult;
import dev.mailrelay.global.Transport;

/**
 * The delivery agents that need no network: {@code local} (the message is already in the
 * instance's capture, which is its mailbox), {@code discard} and {@code error}, with the texts
 * Postfix's local(8), discard(8) and error(8) log.
 */
public final class Transports {

    private Transports() {
    }

    public static final Transport LOCAL = r -> DeliveryResult.all(r, "local", Status.SENT, "2.0.0", "delivered to mailbox");

    public static final Transport DISCARD = r -> DeliveryResult.all(r, "none", Status.SENT, "2.0.0",
            r.nextHop() == null || r.nextHop().isEmpty() ? "discarded" : r.nextHop());

    /** error:D.D.D text bounces with that status; retry: defers. */
    public static final Transport ERROR = r -> {
        String text = r.nextHop() == null || r.nextHop().isEmpty() ? "mail for destination is rejected" : r.nextHop();
        String dsn = "5.0.0";
        if (text.matches("[45]\\.\\d{1,3}\\.\\d{1,3}( .*)?")) {
            int sp = text.indexOf(' ');
            dsn = sp < 0 ? text : text.substring(0, sp);
            text = sp < 0 ? text : text.substring(sp + 1);
        }
        return DeliveryResult.all(r, "none", dsn.startsWith("4") ? Status.DEFERRED : Status.BOUNCED, dsn, text);
    };

    public static final Transport RETRY = r -> DeliveryResult.all(r, "none", Status.DEFERRED, "4.0.0",
            r.nextHop() == null || r.nextHop().isEmpty() ? "delivery temporarily suspended" : r.nextHop());
}
