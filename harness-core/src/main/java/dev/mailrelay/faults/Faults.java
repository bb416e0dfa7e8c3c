package dev.mailrelay.faults;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults of one instance: switched on and off at run time, they make its smtpd fail the way real
 * ISPs and relays fail, for what Postfix's own means (access maps answering 4xx/5xx, {@code defer},
 * {@code sleep}, restrictions) cannot express: a temporary AUTH failure, a {@code 421} greeting, the
 * connection lost after the final dot, a STARTTLS that fails, a reply that comes late, the next N
 * times only or with a seeded probability.
 *
 * <p>Each fault says where it strikes ({@code onConnect()}, {@code onCommand("EHLO")},
 * {@code onStarttls()}, {@code onAuth()}, {@code onMail()}, {@code onRcpt()}, {@code onData()}), then,
 * optionally, filters and when ({@link Fault.Builder#next(int)}, {@link Fault.Builder#withProbability}),
 * then what it does, which installs it. Faults are tried in the order they were installed; the first
 * that strikes wins. An injected fault shows in the session transcript, the log (with
 * {@code (fault injected: #1 ...)}) and {@code Capture.injectedFaults()}.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/faults/FaultsExamplesTest.java#faults -->
 * <pre>{@code
 * Faults faults = isp.faults();
 * faults.onAuth().next(2).reply("454 4.7.0 Temporary authentication failure");
 * faults.onRcpt().to("bob@.*").reply("450 4.2.0 Mailbox busy");
 * faults.onData().next(1).disconnect();        // the classic duplicate
 * faults.onConnect().refuse();                 // listeners closed: Connection refused
 * faults.clear();                              // also done by every reset between tests
 * }</pre>
 */
public final class Faults {

    /** Installed faults per instance: each session consults them all, and the HTTP API adds them. */
    public static final int MAX_FAULTS = 1000;

    private final String instance;
    private final AtomicInteger ids = new AtomicInteger();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    /** Told after every change: the listeners close or reopen as {@link #refusing()} says. */
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();

    /** The faults of the named instance, none installed. */
    public Faults(String instance) {
        this.instance = instance;
    }

    /** At the connection, before the greeting (the next N <em>sessions</em>). */
    public Fault.Builder onConnect() {
        return new Fault.Builder(this, Stage.CONNECT, null);
    }

    /** When a command arrives, before smtpd handles it: {@code EHLO}, {@code DATA} (before 354), {@code QUIT}, ... */
    public Fault.Builder onCommand(String verb) {
        return new Fault.Builder(this, Stage.COMMAND, verb.toUpperCase(Locale.ROOT));
    }

    /**
     * At STARTTLS: a reply such as {@code 454 4.7.0 TLS not available} instead of the {@code 220}; or at
     * the TLS handshake, {@link Fault.Builder#handshakeFailure()} or {@link Fault.Builder#certificate},
     * which strike equally at the handshake a wrapper-mode service (smtps, submissions,
     * {@code smtpd_tls_wrappermode = yes}) runs right after connect.
     */
    public Fault.Builder onStarttls() {
        return onCommand("STARTTLS");
    }

    /** At AUTH, after the client's response, instead of the verdict (filter by mechanism and login). */
    public Fault.Builder onAuth() {
        return new Fault.Builder(this, Stage.AUTH, null);
    }

    /** At MAIL FROM, before the restrictions (filter by sender). */
    public Fault.Builder onMail() {
        return new Fault.Builder(this, Stage.MAIL, null);
    }

    /** At RCPT TO, before the restrictions (filter by sender and recipient). */
    public Fault.Builder onRcpt() {
        return new Fault.Builder(this, Stage.RCPT, null);
    }

    /** At the end of the content, after the final dot (filter by sender and recipients). */
    public Fault.Builder onData() {
        return new Fault.Builder(this, Stage.DATA, null);
    }

    /**
     * Checks and installs a fault given as data.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public Fault add(FaultSpec spec) {
        Fault f = new Fault(this, ids.incrementAndGet(), spec);
        synchronized (faults) {
            if (faults.size() >= MAX_FAULTS) {
                throw new IllegalArgumentException("fault: instance " + instance + " has " + MAX_FAULTS
                        + " faults installed, the most it takes; remove or clear some first");
            }
            faults.add(f);
        }
        changed();
        return f;
    }

    /** The installed faults in order, including those whose {@code next} count is used up. */
    public List<Fault> list() {
        return List.copyOf(faults);
    }

    /** The installed fault with this id. */
    public Optional<Fault> get(int id) {
        return faults.stream().filter(f -> f.id() == id).findFirst();
    }

    /** Removes one fault; returns whether it was there. */
    public boolean remove(int id) {
        boolean removed = faults.removeIf(f -> f.id() == id);
        changed();
        return removed;
    }

    /** Removes every fault: the instance behaves as configured again. */
    public void clear() {
        faults.clear();
        changed();
    }

    /** The first installed {@code refuse()} fault: while there is one, the instance's listeners are closed. */
    public Optional<Fault> refusing() {
        return faults.stream().filter(f -> f.action() == Fault.Action.REFUSE).findFirst();
    }

    /**
     * For the listeners (smtpd) and the web UI's event stream: {@code listener} runs after every change
     * of the faults, on the changing thread.
     */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    /** Stops telling {@code listener} of changes (a closed HTTP API's event stream). */
    public void removeOnChange(Runnable listener) {
        changeListeners.remove(listener);
    }

    private void changed() {
        changeListeners.forEach(Runnable::run);
    }

    /**
     * For smtpd: the fault that strikes at this moment, if any (counted as injected). Faults are tried
     * in installation order; only a fault that matches draws from its random sequence.
     */
    public Optional<Fault> strike(Moment moment) {
        if (faults.isEmpty()) {
            return Optional.empty();
        }
        for (Fault f : faults) {
            if (f.strikes(moment)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "Faults[" + instance + " " + faults + "]";
    }
}
