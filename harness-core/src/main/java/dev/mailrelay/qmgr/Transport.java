package dev.mailrelay.qmgr;

/**
 * A delivery agent as master.cf names it ({@code smtp}, {@code relay}, {@code local},
 * {@code discard}, {@code error}): it takes one message for a group of recipients that share a
 * next hop and says what became of each.
 */
public interface Transport {

    /** Delivers; never throws for a delivery problem, which is a deferred or bounced recipient. */
    DeliveryResult deliver(DeliveryRequest request);
}
