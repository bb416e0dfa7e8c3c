package dev.mailrelay.cleanup;

import java.util.List;

/**
 * The access-table actions smtpd delegates to cleanup for one message (smtpd_check.c's
 * can_delegate_action(): smtpd sends them as queue file records at the end of DATA).
 *
 * <pre>{@code
 * cleanup.enqueue(message, new AccessActions(false, false, null, "abuse@example.com", List.of()));
 * }</pre>
 *
 * @param hold     HOLD: the message waits in the hold queue until released
 * @param discard  DISCARD: the message is accepted and thrown away
 * @param filter   FILTER {@code transport:destination}, or {@code null}
 * @param redirect REDIRECT {@code user@domain}: every recipient is replaced by it; or {@code null}
 * @param bcc      BCC {@code user@domain}: recipients added to the message
 */
public record AccessActions(boolean hold, boolean discard, String filter, String redirect, List<String> bcc) {

    /** No action: the message goes as its envelope says. */
    public static final AccessActions NONE = new AccessActions(false, false, null, null, List.of());

    public AccessActions {
        bcc = List.copyOf(bcc);
    }
}
