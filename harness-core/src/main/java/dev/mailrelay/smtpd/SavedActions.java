package dev.mailrelay.smtpd;

import dev.mailrelay.cleanup.AccessActions;
import java.util.ArrayList;
import java.util.List;

/**
 * What access-table actions decided for the current mail transaction, kept until it ends (smtpd.c's
 * saved_flags, saved_filter, saved_redirect, saved_bcc, prepend and discard, cleared by
 * mail_reset()): the actions delegated to cleanup, the headers to prepend, and a defer_if_permit
 * raised before RCPT time that the RCPT check must still honour.
 */
final class SavedActions {
    boolean discard;
    boolean hold;
    String filter;
    String redirect;
    final List<String> bcc = new ArrayList<>();
    /** PREPEND headers, in the order the actions ran; they go above smtpd's Received header. */
    final List<String> prepend = new ArrayList<>();
    /**
     * The defer_if_permit reply raised by the client, helo or sender restrictions when they ran at
     * MAIL time (smtpd_delay_reject = no), or {@code null}.
     */
    String deferIfPermitBeforeRcpt;

    void reset() {
        discard = false;
        hold = false;
        filter = null;
        redirect = null;
        bcc.clear();
        prepend.clear();
        deferIfPermitBeforeRcpt = null;
    }

    /** The actions cleanup carries out when the message is queued. */
    AccessActions forCleanup() {
        return new AccessActions(hold, discard, filter, redirect, bcc);
    }
}
