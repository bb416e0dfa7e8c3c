package dev.mailrelay.smtpd;

import dev.mailrelay.capture.InjectedFault;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.faults.Moment;
import dev.mailrelay.tls.CertificateFlaw;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The one place where a session consults its instance's {@code dev.mailrelay.faults.Faults} and carries
 * out what strikes: the reply sent instead of smtpd's, the connection closed, the wait, the failed
 * or flawed TLS handshake (STARTTLS's and a wrapper-mode service's alike). Each strike is logged with {@code (fault injected: ...)}, marked in the transcript and
 * recorded in the capture. What Postfix itself does after such a reply still holds: a {@code 421} or
 * {@code 521} ends the session (smtpd_chat.c's SMTPD_FLAG_HANGUP), and a rejected greeting makes every
 * later command but QUIT answer {@code 503 5.7.0 Error: access denied for ...} (smtpd.c's
 * access_denied).
 */
final class SmtpdFaults {

    private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");

    /** What the session does after asking. */
    enum Verdict {
        /** No fault (or a delay, now served): smtpd goes on as usual. */
        PROCEED,
        /** The fault's reply was sent: the command failed. */
        ANSWERED,
        /** The connection is to close with nothing more sent. */
        HANG_UP
    }

    private final SmtpdSession session;
    /** A greeting fault's reply other than 421 or 521: Postfix's state->access_denied. */
    private String accessDenied;
    /** The reply of the fault that struck last. */
    private String lastReply;
    /** The flaw of the certificate the next handshake serves (a certificate fault at STARTTLS), or null. */
    private CertificateFlaw certificateFlaw;

    SmtpdFaults(SmtpdSession session) {
        this.session = session;
    }

    /** Before the greeting; ANSWERED means the fault's reply replaced the {@code 220}. */
    Verdict greeting() throws IOException {
        Verdict v = at("CONNECT", Moment.connect(), null, null);
        if (v == Verdict.ANSWERED && !session.hangingUp()) {
            accessDenied = lastReply;
        }
        return v;
    }

    /** Before a command runs: a denied session's 503, or a fault on this verb. */
    Verdict command(String verb) throws IOException {
        if (accessDenied != null && !verb.equals("QUIT")) {
            session.reply("503 5.7.0 Error: access denied for " + session.clientNameAddress());
            return Verdict.ANSWERED;
        }
        return at(verb, Moment.command(verb), null, null);
    }

    /** AUTH, once the client's responses are in; ANSWERED replaces the 235 or 535. */
    Verdict auth(String mechanism, String login) throws IOException {
        return at("AUTH", Moment.auth(mechanism, login), null, null);
    }

    /** MAIL FROM, the sender parsed. */
    Verdict mail(String sender) throws IOException {
        return at("MAIL", Moment.mail(sender), sender, null);
    }

    /** RCPT TO, the recipient parsed. */
    Verdict rcpt(String sender, String recipient) throws IOException {
        return at("RCPT", Moment.rcpt(sender, recipient), sender, recipient);
    }

    /**
     * After the content: ANSWERED refuses the message before it is queued; HANG_UP means queue it,
     * then close instead of replying (the message is delivered, the client cannot know: a duplicate
     * when it tries again).
     */
    Verdict endOfData(String sender, List<String> recipients) throws IOException {
        return at("END-OF-MESSAGE", Moment.data(sender, recipients), sender,
                recipients.size() == 1 ? recipients.get(0) : null);
    }

    /**
     * The TLS handshake, STARTTLS's (after its {@code 220}) or a wrapper-mode service's (right after
     * connect): HANG_UP closes the connection instead of the handshake; PROCEED runs it, serving
     * {@link #certificateFlaw()} if a certificate fault struck.
     */
    Verdict handshake(boolean wrapperMode) throws IOException {
        certificateFlaw = null;
        return at(wrapperMode ? "CONNECT" : "STARTTLS", Moment.tlsHandshake(), null, null);
    }

    /** The certificate flaw a fault asked the coming handshake for, or {@code null}. */
    CertificateFlaw certificateFlaw() {
        return certificateFlaw;
    }

    private Verdict at(String stage, Moment moment, String sender, String recipient) throws IOException {
        Optional<Fault> hit = session.settings.faults.strike(moment);
        if (hit.isEmpty()) {
            return Verdict.PROCEED;
        }
        Fault f = hit.get();
        session.noteFault(f);
        session.settings.capture.record(new InjectedFault(session.id(), stage, f.id(), f.toString(), Instant.now()));
        String note = " (fault injected: " + f + ")";
        switch (f.action()) {
            case DELAY:
                log.info("{}/smtpd[{}]: delay {} at {} from {}{}", session.settings.instance, session.id(),
                        f.delay(), stage, session.clientNameAddress(), note);
                session.stream.flush();
                try {
                    // The injected wait itself, as Postfix's "sleep" restriction: no event to wait for.
                    Thread.sleep(f.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                return Verdict.PROCEED;
            case DISCONNECT:
                log.info("{}/smtpd[{}]: disconnect at {} from {}{}", session.settings.instance, session.id(), stage,
                        session.clientNameAddress(), note);
                session.hangUp();
                return Verdict.HANG_UP;
            case CERTIFICATE:
                // The handshake goes on and serves the flawed certificate.
                log.info("{}/smtpd[{}]: {} certificate for {} from {}{}", session.settings.instance,
                        session.id(), f.certificate().id(), stage.equals("CONNECT") ? "TLS wrappermode" : "STARTTLS",
                        session.clientNameAddress(), note);
                certificateFlaw = f.certificate();
                return Verdict.PROCEED;
            case HANDSHAKE_FAILURE:
                log.info("{}/smtpd[{}]: SSL_accept error from {}: handshake failure{}", session.settings.instance,
                        session.id(), session.clientNameAddress(), note);
                session.hangUp();
                return Verdict.HANG_UP;
            default:
                lastReply = f.reply();
                if (stage.equals("AUTH")) {
                    log.warn("{}/smtpd[{}]: warning: {}: SASL {} authentication failed: {}{}",
                            session.settings.instance, session.id(), session.clientNameAddress(),
                            SmtpdSasl.printableMechanism(moment.mechanism()), f.reply(), note);
                } else {
                    session.logWhatsup(stage.equals("END-OF-MESSAGE") ? session.queueId() : "NOQUEUE", "reject", stage,
                            f.reply(), sender, recipient, note);
                }
                session.reply(f.reply());
                if (f.reply().startsWith("421") || f.reply().startsWith("521")) {
                    session.hangUp();
                }
                return Verdict.ANSWERED;
        }
    }
}
