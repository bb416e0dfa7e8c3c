package dev.mailrelay.capture;

/**
 * What smtpd's access-table actions asked of an accepted message beyond its envelope, as Postfix
 * records it in the queue file: the hold flag, the discard flag and the content filter
 * (smtpd_check.c's HOLD, DISCARD and FILTER actions; cleanup's CLEANUP_FLAG_HOLD,
 * CLEANUP_FLAG_DISCARD and REC_TYPE_FILT).
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#queue-flags -->
 * <pre>{@code
 * CapturedMessage m = instance.capture().awaitMessages(1, Duration.ofSeconds(5)).get(0);
 * assertTrue(m.flags().hold());          // an access table said HOLD: queued, not delivered
 * }</pre>
 *
 * @param hold      the message waits in the hold queue and is not delivered until released
 *                  ({@code postsuper -H}, {@code Instance.releaseHeldMail()})
 * @param discarded the message was accepted with 250 and thrown away: captured, never queued or delivered
 * @param filter    the {@code transport:destination} every recipient is delivered through, or {@code null}
 */
public record QueueFlags(boolean hold, boolean discarded, String filter) {

    /** No flag: the message is delivered as its recipients route it. */
    public static final QueueFlags NONE = new QueueFlags(false, false, null);
}
