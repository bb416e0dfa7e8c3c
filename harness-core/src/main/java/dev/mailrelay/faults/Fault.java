package dev.mailrelay.faults;

import dev.mailrelay.tls.CertificateFlaw;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One installed fault of an instance: where it strikes, what it does there, and how often. Made by
 * {@link Faults}' builders or {@link Faults#add(FaultSpec)}; the handle tells how often it struck and
 * removes it.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/faults/FaultsExamplesTest.java#fault -->
 * <pre>{@code
 * Fault busy = isp.faults().onRcpt().to("bob@.*").next(2).reply("450 4.2.0 Mailbox busy");
 * sendWithRetry();                    // the application: busy, busy, then accepted
 * assertThat(busy.injected()).isEqualTo(2);
 * busy.remove();
 * }</pre>
 */
public final class Fault {

    /** What a fault does where it strikes. */
    public enum Action {
        /** Sends {@link #reply()} instead of smtpd's own reply; a {@code 421} or {@code 521} also ends the session. */
        REPLY,
        /** Closes the connection without a reply. */
        DISCONNECT,
        /** Waits {@link #delay()}, then smtpd goes on as usual. */
        DELAY,
        /**
         * The connection closes instead of the TLS handshake: after STARTTLS's {@code 220 2.0.0 Ready to
         * start TLS}, or right after connect on a wrapper-mode service (smtps, submissions).
         */
        HANDSHAKE_FAILURE,
        /** The instance's listeners are closed while the fault is installed: connections are refused. */
        REFUSE,
        /**
         * The TLS handshake serves a certificate with {@link #certificate()}'s flaw: STARTTLS's, and on a
         * wrapper-mode service (smtps, submissions) the one right after connect.
         */
        CERTIFICATE
    }

    /** A reply smtpd could send: a 4xx or 5xx code, then text (RFC 5321's reply-line). */
    private static final Pattern REPLY = Pattern.compile("[45][0-5][0-9]( [\\x20-\\x7e]*)?");
    private static final Pattern VERB = Pattern.compile("[A-Za-z]{1,20}");

    private final Faults owner;
    private final int id;
    private final FaultSpec spec;
    private final Stage stage;
    private final Action action;
    private final Pattern login;
    private final Pattern from;
    private final Pattern to;
    private final CertificateFlaw flaw;
    private final Random random;
    /** Strikes left for {@code next}; -1: until removed. Guarded by this. */
    private int remaining;
    private int injected;

    Fault(Faults owner, int id, FaultSpec spec) {
        this.owner = owner;
        this.id = id;
        this.spec = spec;
        this.stage = stage(spec.stage());
        int actions = (spec.reply() != null ? 1 : 0) + (spec.disconnect() ? 1 : 0) + (spec.delay() != null ? 1 : 0)
                + (spec.handshakeFailure() ? 1 : 0) + (spec.refuse() ? 1 : 0) + (spec.certificate() != null ? 1 : 0);
        if (actions != 1) {
            throw invalid("needs exactly one of reply, disconnect, delay, handshakeFailure, refuse, certificate; has "
                    + actions);
        }
        this.action = spec.reply() != null ? Action.REPLY : spec.disconnect() ? Action.DISCONNECT
                : spec.delay() != null ? Action.DELAY : spec.handshakeFailure() ? Action.HANDSHAKE_FAILURE
                : spec.refuse() ? Action.REFUSE : Action.CERTIFICATE;
        if (spec.reply() != null && !REPLY.matcher(spec.reply()).matches()) {
            throw invalid("reply \"" + spec.reply() + "\" is not a 4xx or 5xx SMTP reply line (e.g. \"450 4.2.0 "
                    + "Mailbox busy\")");
        }
        if (spec.delay() != null && (spec.delay().isNegative() || spec.delay().isZero())) {
            throw invalid("delay must be positive: " + spec.delay());
        }
        boolean command = stage == Stage.COMMAND;
        if (command != (spec.command() != null)) {
            throw invalid(command ? "the command stage needs a command (EHLO, STARTTLS, DATA, ...)"
                    : "command is for the command stage only");
        }
        if (command && !VERB.matcher(spec.command()).matches()) {
            throw invalid("command \"" + spec.command() + "\" is not an SMTP verb");
        }
        boolean starttls = command && spec.command().equalsIgnoreCase("STARTTLS");
        if (spec.handshakeFailure() && !starttls) {
            throw invalid("handshakeFailure is for the STARTTLS command only");
        }
        if (spec.certificate() != null && !starttls) {
            throw invalid("certificate is for the STARTTLS command only");
        }
        try {
            this.flaw = spec.certificate() == null ? null : CertificateFlaw.parse(spec.certificate());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        if (spec.refuse() && (stage != Stage.CONNECT || spec.next() != null || spec.probability() != null)) {
            // A refused connection never reaches smtpd: there is nothing to count or draw for.
            throw invalid("refuse is for the connect stage only, and lasts until removed (no next, no probability)");
        }
        if (spec.mechanism() != null && stage != Stage.AUTH || spec.login() != null && stage != Stage.AUTH) {
            throw invalid("mechanism and login are for the auth stage only");
        }
        if (spec.from() != null && !(stage == Stage.MAIL || stage == Stage.RCPT || stage == Stage.DATA)) {
            throw invalid("from is for the mail, rcpt and data stages only");
        }
        if (spec.to() != null && !(stage == Stage.RCPT || stage == Stage.DATA)) {
            throw invalid("to is for the rcpt and data stages only");
        }
        this.login = pattern("login", spec.login());
        this.from = pattern("from", spec.from());
        this.to = pattern("to", spec.to());
        if (spec.next() != null && spec.next() < 1) {
            throw invalid("next must be at least 1: " + spec.next());
        }
        this.remaining = spec.next() == null ? -1 : spec.next();
        if (spec.probability() != null) {
            if (!(spec.probability() > 0 && spec.probability() <= 1)) {
                throw invalid("probability must be above 0 and at most 1: " + spec.probability());
            }
            if (spec.seed() == null) {
                throw invalid("a probability needs a seed, so that a failing run can be repeated");
            }
        } else if (spec.seed() != null) {
            throw invalid("seed is for a probability only");
        }
        this.random = spec.seed() == null ? null : new Random(spec.seed());
    }

    private static Stage stage(String name) {
        if (name == null) {
            throw new IllegalArgumentException("fault: stage is missing (connect, command, auth, mail, rcpt, data)");
        }
        try {
            return Stage.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fault: unknown stage \"" + name
                    + "\" (connect, command, auth, mail, rcpt, data)", e);
        }
    }

    private Pattern pattern(String what, String regex) {
        try {
            return regex == null ? null : Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            throw invalid(what + " is not a regular expression: " + e.getDescription() + " in " + regex);
        }
    }

    private IllegalArgumentException invalid(String why) {
        return new IllegalArgumentException("fault on " + spec.stage() + ": " + why);
    }

    /** Whether the fault strikes at this moment; a strike is counted (and consumes one of {@code next}). */
    synchronized boolean strikes(Moment m) {
        // Certificate and handshake faults strike at the handshake (STARTTLS's or wrapper mode's), the
        // other STARTTLS faults at the command.
        boolean handshake = action == Action.CERTIFICATE || action == Action.HANDSHAKE_FAILURE;
        if (action == Action.REFUSE || m.stage() != stage || handshake != m.handshake() || remaining == 0
                || !matches(m)) {
            return false;
        }
        // Drawn only for moments that match, so the same dialog gives the same faults for the same seed.
        if (random != null && random.nextDouble() >= spec.probability()) {
            return false;
        }
        if (remaining > 0) {
            remaining--;
        }
        injected++;
        return true;
    }

    private boolean matches(Moment m) {
        return (spec.command() == null || spec.command().equalsIgnoreCase(m.command()))
                && (spec.mechanism() == null || spec.mechanism().equalsIgnoreCase(m.mechanism()))
                && (login == null || m.login() != null && login.matcher(m.login()).matches())
                && (from == null || m.sender() != null && from.matcher(m.sender()).matches())
                && (to == null || m.recipients().stream().anyMatch(r -> to.matcher(r).matches()));
    }

    /** The fault's number within its instance, as the HTTP API names it ({@code DELETE .../faults/1}). */
    public int id() {
        return id;
    }

    /** The fault as data (what {@link Faults#add(FaultSpec)} was given or the builder made). */
    public FaultSpec spec() {
        return spec;
    }

    public Stage stage() {
        return stage;
    }

    public Action action() {
        return action;
    }

    /** The reply of a {@link Action#REPLY} fault, else {@code null}. */
    public String reply() {
        return spec.reply();
    }

    /** The flaw of a {@link Action#CERTIFICATE} fault's certificate, else {@code null}. */
    public CertificateFlaw certificate() {
        return flaw;
    }

    /** The wait of a {@link Action#DELAY} fault, else {@code null}. */
    public Duration delay() {
        return spec.delay();
    }

    /** How many times the fault struck. */
    public synchronized int injected() {
        return injected;
    }

    /** Whether it may strike again: not removed, and not at the end of its {@code next} count. */
    public synchronized boolean active() {
        return remaining != 0 && owner.list().contains(this);
    }

    /** Removes the fault from its instance; sessions already past it are not affected. */
    public void remove() {
        owner.remove(id);
    }

    /**
     * How logs and transcripts name the fault, e.g.
     * {@code #1 RCPT to=bob@.* reply "450 4.2.0 Mailbox busy" next 2}.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("#").append(id).append(' ')
                .append(stage == Stage.COMMAND ? spec.command().toUpperCase(Locale.ROOT) : stage.name());
        append(b, "mechanism", spec.mechanism());
        append(b, "login", spec.login());
        append(b, "from", spec.from());
        append(b, "to", spec.to());
        b.append(' ').append(switch (action) {
            case REPLY -> "reply \"" + spec.reply() + "\"";
            case DISCONNECT -> "disconnect";
            case DELAY -> "delay " + spec.delay().toString().substring(2).toLowerCase(Locale.ROOT);
            case HANDSHAKE_FAILURE -> "handshake failure";
            case REFUSE -> "refuse";
            case CERTIFICATE -> "certificate " + flaw.id();
        });
        if (spec.next() != null) {
            b.append(" next ").append(spec.next());
        }
        if (spec.probability() != null) {
            b.append(" probability ").append(spec.probability()).append(" seed ").append(spec.seed());
        }
        return b.toString();
    }

    private static void append(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append(' ').append(name).append('=').append(value);
        }
    }

    /**
     * Says where a fault strikes and when; one of the actions ({@link #reply(String)},
     * {@link #disconnect()}, {@link #delay(Duration)}, {@link #handshakeFailure()}) installs it. Filters
     * and timing come before the action, so a fault never strikes half configured.
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/faults/FaultsExamplesTest.java#builder -->
     * <pre>{@code
     * isp.faults().onAuth().mechanism("PLAIN").next(2).reply("454 4.7.0 Temporary authentication failure");
     * isp.faults().onMail().from(".*@spammer\\.example").reply("550 5.7.1 Sender rejected");
     * isp.faults().onData().withProbability(0.3, 42L).reply("451 4.3.0 Try again later");
     * isp.faults().onData().next(1).disconnect();     // after the final dot, before the 250
     * isp.faults().onConnect().delay(Duration.ofSeconds(5));
     * isp.faults().onConnect().refuse();                 // Connection refused until removed
     * isp.faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
     * }</pre>
     */
    public static final class Builder {
        private final Faults owner;
        private final Stage stage;
        private final String command;
        private String mechanism;
        private String login;
        private String from;
        private String to;
        private Integer next;
        private Double probability;
        private Long seed;

        Builder(Faults owner, Stage stage, String command) {
            this.owner = owner;
            this.stage = stage;
            this.command = command;
        }

        /** AUTH: only this mechanism ({@code PLAIN}, {@code LOGIN}, {@code SCRAM-SHA-256}, ...). */
        public Builder mechanism(String mechanism) {
            this.mechanism = mechanism;
            return this;
        }

        /** AUTH: only logins that match this regular expression as a whole (case-insensitive). */
        public Builder login(String regex) {
            this.login = regex;
            return this;
        }

        /** MAIL, RCPT, DATA: only senders that match this regular expression as a whole (case-insensitive). */
        public Builder from(String regex) {
            this.from = regex;
            return this;
        }

        /** RCPT: the recipient; DATA: any recipient of the transaction (regular expression, whole, case-insensitive). */
        public Builder to(String regex) {
            this.to = regex;
            return this;
        }

        /** Only the next {@code times} times the fault matches (sessions at CONNECT, transactions at MAIL or DATA). */
        public Builder next(int times) {
            this.next = times;
            return this;
        }

        /** Each time it matches, with this probability, drawn from a random sequence started by {@code seed}. */
        public Builder withProbability(double probability, long seed) {
            this.probability = probability;
            this.seed = seed;
            return this;
        }

        /** Installs the fault: this reply instead of smtpd's ({@code 421}/{@code 521} also end the session). */
        public Fault reply(String reply) {
            return install(reply, false, null, false, false, null);
        }

        /** Installs the fault: the connection closes without a reply (at DATA: after the message is queued). */
        public Fault disconnect() {
            return install(null, true, null, false, false, null);
        }

        /** Installs the fault: smtpd waits this long before it goes on as usual (the greeting or the reply). */
        public Fault delay(Duration delay) {
            return install(null, false, delay, false, false, null);
        }

        /**
         * Installs the fault (STARTTLS only): STARTTLS gets its {@code 220}, then the connection closes
         * instead of the handshake; on a wrapper-mode service it closes right after connect.
         */
        public Fault handshakeFailure() {
            return install(null, false, null, true, false, null);
        }

        /**
         * Installs the fault (connect only): the instance's listeners close, so connections are refused
         * ({@code Connection refused}) until the fault is removed or cleared; then they listen again on
         * the same ports.
         */
        public Fault refuse() {
            return install(null, false, null, false, true, null);
        }

        /**
         * Installs the fault (STARTTLS only): the handshake serves a certificate with this flaw, issued by
         * the harness CA, instead of the service's own; on a wrapper-mode service (smtps, submissions)
         * the handshake right after connect.
         */
        public Fault certificate(CertificateFlaw flaw) {
            return install(null, false, null, false, false, flaw.id());
        }

        private Fault install(String reply, boolean disconnect, Duration delay, boolean handshakeFailure,
                              boolean refuse, String certificate) {
            return owner.add(new FaultSpec(stage.name().toLowerCase(Locale.ROOT), command, mechanism, login, from, to,
                    reply, disconnect, delay, handshakeFailure, refuse, certificate, next, probability, seed));
        }
    }
}
