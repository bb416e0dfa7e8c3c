package dev.mailrelay.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Everything one instance saw, for tests to assert on: its SMTP sessions, the messages it
 * accepted and the delivery attempts of its SMTP client. Waiting is event-driven: a condition is signalled on every arrival, so a waiting test
 * wakes as soon as the message is there and never polls.
 *
 * <p>Ended sessions are kept up to {@code mailrelay_session_retention_limit}; beyond it the oldest
 * ended session is dropped (open ones never are), and {@link #describe()} — hence every timeout and
 * assertion message built on it — says how many were dropped, so a test never loses its own
 * sessions silently.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#capture -->
 * <pre>{@code
 * List<CapturedMessage> got = isp.capture().awaitMessages(1, Duration.ofSeconds(10));
 * }</pre>
 */
public final class Capture {

    private final String instance;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<CapturedMessage> messages = new ArrayList<>();
    private final Map<Long, CapturedSession> sessions = new LinkedHashMap<>();
    /** mailrelay_session_retention_limit; 0 keeps every session. */
    private final int sessionRetentionLimit;
    /** The ended sessions still kept, by id: the oldest connection first. */
    private final TreeSet<Long> ended = new TreeSet<>();
    private long droppedSessions;
    /** When {@link #reset()} last ran: a session that started before it belongs to what was forgotten. */
    private Instant resetAt = Instant.MIN;
    private final List<DeliveryAttempt> deliveries = new ArrayList<>();
    /** The latest injected faults, at most {@link #INJECTED_FAULTS_KEPT}. */
    private final java.util.ArrayDeque<InjectedFault> injectedFaults = new java.util.ArrayDeque<>();
    /** Counts the changes watchers see: each message or delivery attempt recorded, each reset. */
    private long changes;
    private final List<Consumer<CapturedMessage>> listeners = new CopyOnWriteArrayList<>();
    /** Futures waiting for a condition, checked on every arrival (long polls that hold no thread). */
    private final List<Waiter> waiters = new ArrayList<>();

    /** A future and the condition that completes it. */
    private record Waiter(Predicate<Capture> condition, Runnable complete) {
    }

    /** A capture with mailrelay_session_retention_limit's default. */
    public Capture(String instance) {
        this(instance, DEFAULT_SESSION_RETENTION_LIMIT);
    }

    /** @param sessionRetentionLimit how many ended sessions are kept, 0 for all */
    public Capture(String instance, int sessionRetentionLimit) {
        this.instance = instance;
        this.sessionRetentionLimit = sessionRetentionLimit;
    }

    /** mailrelay_session_retention_limit's default (config.Defaults says the same). */
    public static final int DEFAULT_SESSION_RETENTION_LIMIT = 1000;

    /**
     * Records an accepted message and wakes waiting threads. The listeners run first: when one fails
     * (e.g. it cannot spool the message to disk) the exception goes to the caller and the message is
     * not recorded, so that smtpd refuses it instead of acknowledging mail that is half recorded.
     * The capture holds the content ({@link MessageContent#retain()}) until it forgets the message.
     */
    public void record(CapturedMessage message) {
        for (Consumer<CapturedMessage> l : listeners) {
            l.accept(message);
        }
        lock.lock();
        try {
            messages.add(message);
            message.messageContent().retain();
            changes++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeWaiters();
    }

    /**
     * Records (or replaces) the latest state of a session. A session that was open when the capture
     * was {@link #reset()} stays forgotten: its later states (its end, after the client read 221 to
     * QUIT) do not show up in the next test's capture.
     */
    public void record(CapturedSession session) {
        lock.lock();
        try {
            if (session.start().isBefore(resetAt)) {
                return;
            }
            CapturedSession previous = sessions.put(session.id(), session);
            if (session.end() != null && (previous == null || previous.end() == null)) {
                ended.add(session.id());
                while (sessionRetentionLimit > 0 && ended.size() > sessionRetentionLimit) {
                    sessions.remove(ended.pollFirst());
                    droppedSessions++;
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many injected faults are kept: the latest, so that a fault striking always stays bounded. */
    public static final int INJECTED_FAULTS_KEPT = 1000;

    /** Records a fault that struck a session and wakes waiting threads. */
    public void record(InjectedFault fault) {
        lock.lock();
        try {
            if (injectedFaults.size() == INJECTED_FAULTS_KEPT) {
                injectedFaults.removeFirst();
            }
            injectedFaults.addLast(fault);
            changes++;      // the web UI shows how often each fault struck
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeWaiters();
    }

    /** The faults injected so far (the latest {@value #INJECTED_FAULTS_KEPT}), in order. */
    public List<InjectedFault> injectedFaults() {
        lock.lock();
        try {
            return List.copyOf(injectedFaults);
        } finally {
            lock.unlock();
        }
    }

    /** Records a delivery attempt and wakes waiting threads. */
    public void record(DeliveryAttempt attempt) {
        lock.lock();
        try {
            deliveries.add(attempt);
            changes++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeWaiters();
    }

    /**
     * A future completed with all messages once at least {@code count} have arrived: a wait that holds
     * no thread (the HTTP API's long poll). Bound it with {@link CompletableFuture#orTimeout}; however
     * it completes, the capture forgets it. It completes on the thread that recorded the arrival, so
     * dependent work belongs on an executor ({@code whenCompleteAsync(..., executor)}).
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#messages-arrived -->
     * <pre>{@code
     * capture.messagesArrived(2).orTimeout(10, TimeUnit.SECONDS).whenCompleteAsync(reply, executor);
     * }</pre>
     */
    public CompletableFuture<List<CapturedMessage>> messagesArrived(int count) {
        return when(c -> c.messages.size() >= count, Capture::messages);
    }

    /** As {@link #messagesArrived(int)}, for delivery attempts. */
    public CompletableFuture<List<DeliveryAttempt>> deliveriesRecorded(int count) {
        return when(c -> c.deliveries.size() >= count, Capture::deliveries);
    }

    /**
     * How many changes there were so far: each message, delivery attempt or injected fault recorded,
     * each {@link #reset()}. A version number for {@link #changedAfter(long)}.
     */
    public long changes() {
        lock.lock();
        try {
            return changes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A future completed with {@link #changes()} once it exceeds {@code seen}: how a watcher (the web
     * UI's event stream) learns of new mail, delivery attempts and resets without a thread waiting.
     * It completes on the recording thread, as {@link #messagesArrived(int)} does.
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#changed-after -->
     * <pre>{@code
     * capture.changedAfter(capture.changes()).thenAcceptAsync(now -> refresh.run(), executor);
     * }</pre>
     */
    public CompletableFuture<Long> changedAfter(long seen) {
        return when(c -> c.changes > seen, Capture::changes);
    }

    private <T> CompletableFuture<T> when(Predicate<Capture> condition, Function<Capture, T> result) {
        CompletableFuture<T> future = new CompletableFuture<>();
        Waiter waiter = new Waiter(condition, () -> future.complete(result.apply(this)));
        lock.lock();
        try {
            if (!condition.test(this)) {
                waiters.add(waiter);
                future.whenComplete((v, e) -> forget(waiter));
                return future;
            }
        } finally {
            lock.unlock();
        }
        waiter.complete().run();
        return future;
    }

    private void forget(Waiter waiter) {
        lock.lock();
        try {
            waiters.remove(waiter);
        } finally {
            lock.unlock();
        }
    }

    /** Completes the futures whose condition now holds, outside the lock. */
    private void wakeWaiters() {
        List<Waiter> ready = new ArrayList<>();
        lock.lock();
        try {
            for (Waiter w : waiters) {
                if (w.condition().test(this)) {
                    ready.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
        ready.forEach(w -> w.complete().run());
    }

    /** The delivery attempts so far, in order. */
    public List<DeliveryAttempt> deliveries() {
        lock.lock();
        try {
            return List.copyOf(deliveries);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until at least {@code count} delivery attempts have been recorded and returns all of them. */
    public List<DeliveryAttempt> awaitDeliveries(int count, Duration timeout) {
        await(c -> c.deliveries.size() >= count, timeout,
                "expected at least " + count + " delivery attempt(s) at instance " + instance);
        return deliveries();
    }

    /** Waits until a delivery attempt matching {@code condition} has been recorded and returns the first. */
    public DeliveryAttempt awaitDelivery(Predicate<DeliveryAttempt> condition, Duration timeout) {
        await(c -> c.deliveries.stream().anyMatch(condition), timeout,
                "expected a matching delivery attempt at instance " + instance);
        return deliveries().stream().filter(condition).findFirst().orElseThrow();
    }

    /**
     * Calls {@code listener} for every message recorded from now on (e.g. to spool it), before the
     * message is listed; a listener that throws makes the message refused (smtpd answers 451).
     */
    public void onMessage(Consumer<CapturedMessage> listener) {
        listeners.add(listener);
    }

    /** The messages accepted so far, in arrival order. */
    public List<CapturedMessage> messages() {
        lock.lock();
        try {
            return List.copyOf(messages);
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many ended sessions were dropped (the oldest first) to stay within
     * mailrelay_session_retention_limit since the start or the last {@link #reset()}.
     */
    public long droppedSessions() {
        lock.lock();
        try {
            return droppedSessions;
        } finally {
            lock.unlock();
        }
    }

    /** The sessions kept (see {@link #droppedSessions()}), in connection order. */
    public List<CapturedSession> sessions() {
        lock.lock();
        try {
            return List.copyOf(sessions.values());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code count} messages have arrived and returns all of them.
     *
     * @throws CaptureTimeoutException after {@code timeout}, listing what did arrive
     */
    public List<CapturedMessage> awaitMessages(int count, Duration timeout) {
        await(c -> c.messages.size() >= count, timeout,
                "expected at least " + count + " message(s) at instance " + instance);
        return messages();
    }

    /** Waits until a message matching {@code condition} has arrived and returns the first such. */
    public CapturedMessage awaitMessage(Predicate<CapturedMessage> condition, Duration timeout) {
        await(c -> c.messages.stream().anyMatch(condition), timeout,
                "expected a matching message at instance " + instance);
        return messages().stream().filter(condition).findFirst().orElseThrow();
    }

    /**
     * Waits until at least {@code count} sessions have ended (dropped ones count: they had ended) and
     * returns the sessions kept.
     */
    public List<CapturedSession> awaitEndedSessions(int count, Duration timeout) {
        await(c -> c.ended.size() + c.droppedSessions >= count, timeout,
                "expected at least " + count + " ended session(s) at instance " + instance);
        return sessions();
    }

    /**
     * Forgets all messages, sessions (also those still open, whose later states are not recorded),
     * delivery attempts and injected faults; the content of a forgotten message is deleted once
     * delivered.
     */
    public void reset() {
        lock.lock();
        try {
            resetAt = Instant.now();
            messages.forEach(m -> m.messageContent().release());
            messages.clear();
            sessions.clear();
            ended.clear();
            droppedSessions = 0;
            deliveries.clear();
            injectedFaults.clear();
            changes++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeWaiters();
    }

    /**
     * Forgets one message, found by its queue ID, as {@link #reset()} forgets all: its content is
     * released (deleted once delivered; a message still queued stays queued). The session that brought
     * it and the delivery attempts stay. False when there is no such message.
     */
    public boolean forget(String queueId) {
        boolean found = false;
        lock.lock();
        try {
            for (var it = messages.iterator(); it.hasNext() && !found; ) {
                CapturedMessage m = it.next();
                if (m.queueId().equals(queueId)) {
                    it.remove();
                    m.messageContent().release();
                    changes++;
                    changed.signalAll();
                    found = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (found) {
            wakeWaiters();
        }
        return found;
    }

    private void await(Predicate<Capture> condition, Duration timeout, String expectation) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!condition.test(this)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new CaptureTimeoutException(expectation + " within " + timeout + "; " + describe());
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaptureTimeoutException(expectation + ": interrupted while waiting; " + describe());
        } finally {
            lock.unlock();
        }
    }

    /** A message's subject as failure listings show it: quoted, {@code (none)}, or why it cannot be read. */
    public static String listedSubject(CapturedMessage m) {
        try {
            String subject = m.subject();
            return subject == null ? "(none)" : "\"" + subject + "\"";
        } catch (IllegalStateException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** How many of each kind {@link #describe()} lists: the latest, so its size stays bounded. */
    static final int DESCRIBED = 20;

    /**
     * What arrived, for failure messages: the latest messages, delivery attempts and sessions with
     * their last exchanges ({@value #DESCRIBED} of each at most, saying how many more there were), and
     * how many sessions mailrelay_session_retention_limit dropped.
     */
    public String describe() {
        lock.lock();
        try {
            StringBuilder sb = new StringBuilder();
            sb.append(messages.size()).append(" message(s) arrived");
            for (CapturedMessage m : latest(messages, sb)) {
                sb.append("\n  ").append(m).append(" subject=").append(listedSubject(m));
            }
            sb.append("\n").append(deliveries.size()).append(" delivery attempt(s)");
            for (DeliveryAttempt d : latest(deliveries, sb)) {
                sb.append("\n  ").append(d.queueId()).append(": to=").append(d.recipients()).append(", relay=")
                        .append(d.relay()).append(", status=").append(d.status().word()).append(" (")
                        .append(d.reply()).append(")");
            }
            sb.append("\n").append(sessions.size()).append(" session(s)");
            if (droppedSessions > 0) {
                sb.append(" (and ").append(droppedSessions).append(" older ended session(s) dropped: ")
                        .append("mailrelay_session_retention_limit = ").append(sessionRetentionLimit).append(")");
            }
            List<CapturedSession> shown = latest(List.copyOf(sessions.values()), sb);
            sb.append(':');
            for (CapturedSession s : shown) {
                sb.append("\n  #").append(s.id()).append(" from ").append(s.clientAddress())
                        .append(" helo=").append(s.helo()).append(s.end() == null ? " (open)" : "");
                List<CapturedSession.Exchange> t = s.transcript();
                for (CapturedSession.Exchange e : t.subList(Math.max(0, t.size() - 6), t.size())) {
                    sb.append("\n    ").append(e.command() == null ? "(connect)" : e.command())
                            .append(" -> ").append(e.reply().isEmpty() ? "" : e.reply().get(e.reply().size() - 1));
                }
            }
            return sb.toString();
        } finally {
            lock.unlock();
        }
    }

    /** The last {@value #DESCRIBED} of {@code all}, noting in {@code sb} how many earlier ones are not shown. */
    private static <T> List<T> latest(List<T> all, StringBuilder sb) {
        if (all.size() <= DESCRIBED) {
            return all;
        }
        sb.append(" (the first ").append(all.size() - DESCRIBED).append(" not shown)");
        return all.subList(all.size() - DESCRIBED, all.size());
    }
}
