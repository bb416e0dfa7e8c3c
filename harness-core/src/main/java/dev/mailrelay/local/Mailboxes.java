package dev.mailrelay.local;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.global.DeliveryRequest;
import dev.mailrelay.global.DeliveryResult;
import dev.mailrelay.global.DeliveryResult.RecipientStatus;
import dev.mailrelay.global.Transport;
import dev.mailrelay.tables.LookupTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Local delivery into mailboxes readable over IMAP and POP3 ({@code mailrelay_mailboxes = yes}),
 * the role Postfix's local(8) and a Dovecot play: GreenMail keeps the mailboxes and serves them on
 * loopback. A mailbox's login is the recipient address; its password comes from
 * {@code mailrelay_sasl_users} (the same credentials as SMTP AUTH), or is the address itself when
 * the table has none.
 *
 * <pre>{@code
 * Mailboxes boxes = Mailboxes.start(users);
 * // "local" transport: boxes; then read with IMAP at 127.0.0.1:boxes.imapPort()
 * }</pre>
 */
public final class Mailboxes implements Transport, AutoCloseable {

    private final GreenMail greenMail;
    private final LookupTable users;

    private Mailboxes(GreenMail greenMail, LookupTable users) {
        this.greenMail = greenMail;
        this.users = users;
    }

    /** Starts IMAP and POP3 on ephemeral loopback ports. */
    public static Mailboxes start(LookupTable users) {
        GreenMail gm = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort(),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3).dynamicPort()});
        gm.start();
        return new Mailboxes(gm, users);
    }

    public int imapPort() {
        return greenMail.getImap().getPort();
    }

    public int pop3Port() {
        return greenMail.getPop3().getPort();
    }

    @Override
    public DeliveryResult deliver(DeliveryRequest request) {
        List<RecipientStatus> out = new ArrayList<>();
        for (String rcpt : request.recipients()) {
            try {
                mailbox(rcpt).deliver(request.message().mimeMessage());
                out.add(new RecipientStatus(rcpt, rcpt, Status.SENT, "2.0.0", "delivered to mailbox", null, null));
            } catch (RuntimeException e) {
                // local(8) defers on a mailbox problem; the message stays queued.
                out.add(new RecipientStatus(rcpt, rcpt, Status.DEFERRED, "4.2.0",
                        "cannot update mailbox for user " + rcpt + ": " + e.getClass().getSimpleName(), null, null));
            }
        }
        return new DeliveryResult(out, "local", request.message().sender(), null, null, null);
    }

    private GreenMailUser mailbox(String address) {
        String login = address.toLowerCase(Locale.ROOT);
        GreenMailUser existing = greenMail.getUserManager().getUser(login);
        if (existing != null) {
            return existing;
        }
        String password = users.lookup(login).orElse(login);
        return greenMail.setUser(login, login, password);
    }

    @Override
    public void close() {
        greenMail.stop();
    }

    @Override
    public String toString() {
        return "Mailboxes[imap=" + imapPort() + ", pop3=" + pop3Port() + "]";
    }
}
