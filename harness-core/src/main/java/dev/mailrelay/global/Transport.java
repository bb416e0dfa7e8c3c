package dev.mailrelay.global;

/**
 * A delivery agent as master.cf names it ({@code smtp}, {@code relay}, {@code local},
 * {@code discard}, {@code error}): it takes one message for a group of recipients that share a
 * next hop and says what became of each. Postfix's counterpart is the server side of src/global's
 * deliver_request.c, which every delivery agent links; the queue manager is its client.
 */
public interface Transport {

    /** Delivers; never throws for a delivery problem, which is a deferred or bounced recipient. */
    DeliveryResult deliver(DeliveryRequest request);

    /**
     * Ends a delivery of this message in progress now, called from another thread when the message
     * is deleted from the queue: {@link #deliver} then returns soon, its peer's connection lost. An
     * agent that never waits on a peer has nothing to do.
     */
    default void abort(String queueId) {
    }
}
