package dev.mailrelay.faults;

import java.util.List;

/**
 * What smtpd knows at the point where it asks {@link Faults#strike(Moment)} for a fault: the stage and
 * the values a fault may be filtered on. Values not known at a stage are {@code null}.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/faults/FaultsExamplesTest.java#moment -->
 * <pre>{@code
 * Optional<Fault> f = faults.strike(Moment.rcpt("me@box.local", "bob@isp.example"));
 * }</pre>
 *
 * @param stage      where the session is
 * @param command    the command verb, upper case (COMMAND stage)
 * @param mechanism  the SASL mechanism (AUTH)
 * @param login      the login the client authenticated as, or tried to (AUTH; may be {@code null})
 * @param sender     the envelope sender (MAIL, RCPT, DATA)
 * @param recipients the accepted recipients so far, or the one being given at RCPT
 * @param handshake  the TLS handshake itself (after STARTTLS's {@code 220}, or at connect on a
 *                   wrapper-mode service), where certificate and handshake-failure faults strike
 */
public record Moment(Stage stage, String command, String mechanism, String login, String sender,
                     List<String> recipients, boolean handshake) {

    public Moment {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }

    /** A moment other than the TLS handshake. */
    public Moment(Stage stage, String command, String mechanism, String login, String sender,
                  List<String> recipients) {
        this(stage, command, mechanism, login, sender, recipients, false);
    }

    public static Moment connect() {
        return new Moment(Stage.CONNECT, null, null, null, null, null);
    }

    public static Moment command(String verb) {
        return new Moment(Stage.COMMAND, verb, null, null, null, null);
    }

    /**
     * The TLS handshake, the same for STARTTLS (after its {@code 220}) and for a wrapper-mode service
     * ({@code smtpd_tls_wrappermode = yes}, right after connect): the STARTTLS faults that concern the
     * handshake ({@code certificate}, {@code handshakeFailure}) strike here, the others at the command.
     */
    public static Moment tlsHandshake() {
        return new Moment(Stage.COMMAND, "STARTTLS", null, null, null, null, true);
    }

    public static Moment auth(String mechanism, String login) {
        return new Moment(Stage.AUTH, "AUTH", mechanism, login, null, null);
    }

    public static Moment mail(String sender) {
        return new Moment(Stage.MAIL, "MAIL", null, null, sender, null);
    }

    public static Moment rcpt(String sender, String recipient) {
        return new Moment(Stage.RCPT, "RCPT", null, null, sender, List.of(recipient));
    }

    public static Moment data(String sender, List<String> recipients) {
        return new Moment(Stage.DATA, null, null, null, sender, recipients);
    }
}
