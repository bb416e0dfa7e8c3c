package dev.mailrelay.qmgr;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.ContentStore;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.capture.QueueFlags;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.global.DeliveryRequest;
import dev.mailrelay.global.FormatTv;
import dev.mailrelay.global.DeliveryResult;
import dev.mailrelay.global.DeliveryResult.RecipientStatus;
import dev.mailrelay.global.InfoLogAddrForm;
import dev.mailrelay.global.Transport;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Postfix's qmgr(8) for one instance: an in-memory queue whose messages are delivered as soon as
 * they arrive, recipient groups per transport and next hop, deferred recipients retried with
 * Postfix's backoff ({@code minimal_backoff_time} doubling up to {@code maximal_backoff_time}),
 * returned to the sender when {@code maximal_queue_lifetime} runs out or a recipient fails
 * permanently, and {@link #flush()} for {@code postqueue -f}. Every attempt is recorded in the
 * capture and logged as Postfix's {@code status=} line.
 *
 * <pre>{@code
 * QueueManager qmgr = new QueueManager(params, resolver, transports, capture, cleanup::enqueue);
 * qmgr.write(message);               // the queue file, before the message is captured and acknowledged
 * qmgr.deliver(message);
 * qmgr.flush();                      // retry deferred mail now
 * }</pre>
 */
public final class QueueManager implements AutoCloseable {

    private static final Logger log = Maillog.logger("dev.mailrelay.qmgr");
    private static final AtomicLong AGENT_IDS = new AtomicLong();

    private final String instance;
    /** info_log_address_format: how from=<...> and to=<...> show the envelope in log lines. */
    private final InfoLogAddrForm logAddrForm;
    private final Bounce.Settings bounceSettings;
    private final Resolver resolver;
    private final Map<String, Transport> transports;
    private final Capture capture;
    private final Consumer<CapturedMessage> bounceSink;
    private final Duration minimalBackoff;
    private final Duration maximalBackoff;
    private final Duration queueRunDelay;
    private final Duration maximalLifetime;
    /** delay_logging_resolution_limit: decimals of the delivery log line's delay=. */
    private final int delayResolution;
    private final Duration bounceLifetime;
    private final ExecutorService agents;
    private final ScheduledExecutorService timer;
    private volatile boolean closed;
    private final Object idle = new Object();
    /** Every message not yet removed, active or deferred. */
    private final Map<String, Entry> queue = new ConcurrentHashMap<>();
    /** The durable queue (mailrelay_queue_directory), or {@code null} for memory only. */
    private volatile QueueFiles files;

    /** A queue file with the recipients still to be delivered. */
    private static final class Entry {
        /** The queue file; its hold flag is cleared when released. */
        CapturedMessage message;
        final List<String> pending;
        int attempts;
        /** Being delivered now (Postfix's active queue) rather than waiting (deferred). */
        boolean active;
        /** In the hold queue (an access table's HOLD): never delivered until released. */
        boolean held;
        /** A flush came while the message was active: retry as soon as this attempt ends. */
        boolean flushRequested;
        /** Deleted ({@link #deleteAll}) while active: the attempt ends, nothing more follows. */
        volatile boolean deleted;
        ScheduledFuture<?> retry;
        /** When {@link #retry} fires, for the web UI's "next retry" (null while active). */
        volatile Instant retryAt;

        Entry(CapturedMessage message) {
            this(message, message.recipients());
        }

        Entry(CapturedMessage message, List<String> pending) {
            this.message = message;
            this.pending = new ArrayList<>(pending);
            this.held = message.flags().hold();
        }
    }

    /**
     * @param transports the delivery agents by master.cf name
     * @param bounceSink where bounces go (cleanup, so they are queued like any message)
     */
    public QueueManager(Parameters params, Resolver resolver, Map<String, Transport> transports, Capture capture,
                        Consumer<CapturedMessage> bounceSink) {
        this.instance = params.instanceName();
        this.logAddrForm = InfoLogAddrForm.of(params);
        this.bounceSettings = Bounce.Settings.of(params);
        this.resolver = resolver;
        this.transports = Map.copyOf(transports);
        this.capture = capture;
        this.bounceSink = bounceSink;
        this.minimalBackoff = params.time("minimal_backoff_time");
        this.maximalBackoff = params.time("maximal_backoff_time");
        this.queueRunDelay = params.time("queue_run_delay");
        this.maximalLifetime = params.time("maximal_queue_lifetime");
        // mail_params.c: var_delay_max_res, a range-checked integer (0..MAX_DELAY_RES = 6).
        this.delayResolution = params.integer("delay_logging_resolution_limit");
        if (delayResolution > 6) {
            throw params.error("delay_logging_resolution_limit", "invalid delay_logging_resolution_limit parameter "
                    + "value " + delayResolution + " > 6");
        }
        this.bounceLifetime = params.time("bounce_queue_lifetime");
        // Postfix finds a missing delivery agent only when mail is routed to it ("mail transport
        // unavailable"); a harness says so at start.
        resolver.configuredTransports().forEach((parameter, transport) -> {
            if (!transports.containsKey(transport)) {
                throw params.error(parameter, "unknown mail transport: \"" + transport + "\" (mailrelay implements: "
                        + String.join(", ", new java.util.TreeSet<>(transports.keySet())) + ")");
            }
        });
        this.agents = Executors.newFixedThreadPool(4, r -> daemon(r, "mailrelay-" + instance + "-delivery"));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mailrelay-" + instance + "-qmgr"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The names of the delivery agents (master.cf transports) mail can be routed to. */
    public java.util.Set<String> transports() {
        return transports.keySet();
    }

    /**
     * Keeps queue files in {@code directory} as well (mailrelay_queue_directory): each accepted
     * message is on disk once {@link #write} returns (so before smtpd's 250), and its file is
     * removed once it is delivered or bounced. Call before any mail arrives, then {@link #recover()}.
     *
     * @param contents where the content of recovered messages is kept
     */
    public void useDirectory(Path directory, ContentStore contents) {
        this.files = new QueueFiles(instance, directory, contents);
    }

    /** The file system of the durable queue, if there is one (smtpd checks its free space). */
    public Optional<FileStore> fileStore() {
        return files == null ? Optional.empty() : Optional.of(files.fileStore());
    }

    /**
     * Re-queues what the queue directory holds (mail accepted before a crash or stop); returns how
     * many. Files that are no whole queue file are moved to {@code corrupt/} with a warning.
     */
    public int recover() {
        if (files == null) {
            return 0;
        }
        List<QueueFiles.Stored> stored = files.readAll();
        for (QueueFiles.Stored s : stored) {
            CapturedMessage m = s.message();
            log.info("{}/qmgr: {}: from=<{}>, size={}, nrcpt={} (queue deferred, recovered from {})", instance,
                    m.queueId(), logAddrForm.format(m.sender()), m.size(), s.pending().size(), files.directory());
            start(new Entry(m, s.pending()));
            m.messageContent().release();   // the reader's hold: the queue holds its own now
        }
        return stored.size();
    }

    /**
     * Writes the queue file of an accepted message when the queue is durable; on failure nothing of
     * it is left. The message is not delivered before {@link #deliver}.
     */
    public void write(CapturedMessage message) throws IOException {
        if (files != null) {
            files.write(message, message.recipients());
        }
    }

    /** Removes the queue file of a message that was {@linkplain #write written} and then refused. */
    public void abandon(CapturedMessage message) {
        if (files != null) {
            files.remove(message.queueId());
        }
    }

    /**
     * Starts delivering a message whose queue file is {@linkplain #write written}; a message with the
     * hold flag waits in the hold queue instead, as cleanup files it there.
     */
    public void deliver(CapturedMessage message) {
        if (message.flags().hold()) {
            start(new Entry(message));
            return;
        }
        log.info("{}/qmgr: {}: from=<{}>, size={}, nrcpt={} (queue active)", instance, message.queueId(),
                logAddrForm.format(message.sender()), message.size(), message.recipients().size());
        start(new Entry(message));
    }

    /** Puts an entry in the queue, holding its content until it leaves, and activates it. */
    private void start(Entry e) {
        e.message.messageContent().retain();
        queue.put(e.message.queueId(), e);
        synchronized (e) {
            if (!e.held) {
                activate(e);
            }
        }
    }

    /**
     * Retries every deferred message now ({@code postqueue -f}); a message being delivered at this
     * moment is retried as soon as that attempt ends, if it leaves anything deferred.
     */
    public void flush() {
        for (Entry e : queue.values()) {
            synchronized (e) {
                if (e.held) {
                    continue;   // postqueue -f leaves the hold queue alone
                }
                if (e.active) {
                    e.flushRequested = true;
                } else if (e.retry == null || e.retry.cancel(false)) {
                    activate(e);
                }
            }
        }
    }

    /**
     * Waits until no message is being delivered (deferred ones may remain), so that nothing arrives
     * anywhere because of this instance afterwards until new mail or a retry comes.
     *
     * @return whether the queue went idle within the timeout
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (queue.values().stream().anyMatch(e -> e.active)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /**
     * Deletes every queued message, as {@code postsuper -d ALL} does: deferred ones at once (their
     * retries cancelled, their queue files removed), one being delivered right now when its attempt
     * ends, with no retry and no bounce after it; that attempt is ended at once ({@link Transport#abort}).
     * Returns how many were queued.
     */
    public int deleteAll() {
        int n = 0;
        for (Entry e : queue.values()) {
            synchronized (e) {
                e.deleted = true;
                if (e.retry != null) {
                    e.retry.cancel(false);
                }
                if (!e.active) {
                    remove(e);
                } else {
                    // Its attempt ends now rather than when a stalled peer times out (Transport.abort).
                    transports.values().forEach(t -> t.abort(e.message.queueId()));
                }
            }
            n++;
        }
        if (n > 0) {
            log.info("{}/postsuper: Deleted: {} message{}", instance, n, n == 1 ? "" : "s");
        }
        return n;
    }

    private void remove(Entry e) {
        if (files != null) {
            files.remove(e.message.queueId());
        }
        if (queue.remove(e.message.queueId()) != null) {
            e.message.messageContent().release();  // the queue's hold: a spool file goes with its last holder
            log.info("{}/postsuper: {}: removed", instance, e.message.queueId());
        }
    }

    /** Wakes {@link #awaitIdle} waiters after an attempt ended. */
    private void attemptEnded() {
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    /**
     * A message in the queue, as {@code mailq} lists it, with when it is retried next.
     *
     * @param recipients the recipients still to be delivered
     * @param attempts   the delivery attempts so far
     * @param active     being delivered now (Postfix's active queue) rather than deferred
     * @param nextRetry  when a deferred message is retried, or {@code null} (active, or stopping)
     */
    public record QueuedMessage(String queueId, List<String> recipients, int attempts, boolean active,
                                Instant nextRetry) {
    }

    /** The messages queued now (active or deferred), e.g. for the web UI's retry times. */
    public List<QueuedMessage> queued() {
        List<QueuedMessage> out = new ArrayList<>();
        for (Entry e : queue.values()) {
            synchronized (e) {
                out.add(new QueuedMessage(e.message.queueId(), List.copyOf(e.pending), e.attempts, e.active,
                        e.active ? null : e.retryAt));
            }
        }
        return out;
    }

    /** The number of messages waiting for a retry (not those on hold). */
    public int deferredCount() {
        return (int) queue.values().stream().filter(e -> !e.active && !e.held).count();
    }

    /** The number of messages in the hold queue. */
    public int heldCount() {
        return (int) queue.values().stream().filter(e -> e.held).count();
    }

    /**
     * Releases every message on hold, as {@code postsuper -H ALL} does, and delivers it now; returns
     * how many were released. A durable queue keeps the hold flag in the queue file until then.
     */
    public int releaseHeld() {
        int n = 0;
        for (Entry e : queue.values()) {
            synchronized (e) {
                if (!e.held || e.deleted) {
                    continue;
                }
                e.held = false;
                e.message = e.message.withFlags(new QueueFlags(false, false, e.message.flags().filter()));
                if (files != null) {
                    try {
                        files.write(e.message, e.pending);
                    } catch (IOException ex) {
                        // The held queue file stays: a restart holds the message again, it is never lost.
                        log.warn("{}/postsuper: warning: {}: cannot update queue file: {}", instance,
                                e.message.queueId(), ex.toString());
                    }
                }
                log.info("{}/postsuper: {}: released from hold", instance, e.message.queueId());
                log.info("{}/qmgr: {}: from=<{}>, size={}, nrcpt={} (queue active)", instance, e.message.queueId(),
                        logAddrForm.format(e.message.sender()), e.message.size(), e.pending.size());
                activate(e);
            }
            n++;
        }
        if (n > 0) {
            log.info("{}/postsuper: Released from hold: {} message{}", instance, n, n == 1 ? "" : "s");
        }
        return n;
    }

    /** Moves a deferred entry to the active queue; the caller holds its lock. */
    private void activate(Entry e) {
        if (e.deleted) {
            return;
        }
        e.active = true;
        e.retryAt = null;
        e.flushRequested = false;
        if (closed) {
            return;     // the instance is stopping: the (captured) mail stays queued
        }
        try {
            agents.execute(() -> attempt(e));
        } catch (RejectedExecutionException ex) {
            // close() raced with this activation: nothing more is delivered after it.
        }
    }

    private void attempt(Entry e) {
        try {
            deliverOnce(e);
        } finally {
            attemptEnded();
        }
    }

    private void deliverOnce(Entry e) {
        e.attempts++;
        Map<Resolver.Route, List<String>> groups = new LinkedHashMap<>();
        String filter = e.message.flags().filter();
        for (String rcpt : e.pending) {
            Resolver.Route route = filter != null ? resolver.filter(filter, rcpt)
                    : resolver.resolve(e.message.sender(), rcpt);
            groups.computeIfAbsent(route, k -> new ArrayList<>()).add(rcpt);
        }
        List<RecipientStatus> bounced = new ArrayList<>();
        List<RecipientStatus> stillDeferred = new ArrayList<>();
        for (Map.Entry<Resolver.Route, List<String>> g : groups.entrySet()) {
            DeliveryRequest request = new DeliveryRequest(e.message, g.getValue(), g.getKey().transport(),
                    g.getKey().nextHop());
            DeliveryResult result = deliver(request);
            record(request, result);
            for (RecipientStatus s : result.recipients()) {
                if (s.status() == Status.BOUNCED) {
                    bounced.add(s);
                } else if (s.status() == Status.DEFERRED) {
                    stillDeferred.add(s);
                }
            }
        }
        e.pending.clear();
        Duration age = Duration.between(e.message.arrivalTime(), Instant.now());
        Duration lifetime = e.message.sender().isEmpty() ? bounceLifetime : maximalLifetime;
        if (!stillDeferred.isEmpty() && age.compareTo(lifetime) >= 0) {
            for (RecipientStatus s : stillDeferred) {
                log.info("{}/qmgr: {}: to=<{}>, status=expired, returned to sender", instance, e.message.queueId(),
                        logAddrForm.format(s.recipient()));
                bounced.add(new RecipientStatus(s.recipient(), s.sentAs(), Status.BOUNCED, "5" + s.dsn().substring(1),
                        "message expired: " + s.reason(), s.remoteMta(), s.remoteReply()));
            }
            stillDeferred.clear();
        }
        if (!bounced.isEmpty() && !e.deleted && !returnToSender(e.message, bounced)) {
            stillDeferred.addAll(bounced);  // no bounce could be queued: the recipients wait for the next try
        }
        if (stillDeferred.isEmpty() || e.deleted) {
            if (files != null) {
                files.remove(e.message.queueId());
            }
            queue.remove(e.message.queueId());
            e.message.messageContent().release();
            log.info("{}/qmgr: {}: removed", instance, e.message.queueId());
            return;
        }
        stillDeferred.forEach(s -> e.pending.add(s.recipient()));
        if (files != null && e.pending.size() != e.message.recipients().size()) {
            // Recipients delivered or bounced are done: a restart retries only the others.
            try {
                files.write(e.message, e.pending);
            } catch (IOException ex) {
                // The older queue file stays: a restart may deliver some recipients twice, never none.
                log.warn("{}/qmgr: warning: {}: cannot update queue file: {}", instance, e.message.queueId(),
                        ex.toString());
            }
        }
        synchronized (e) {
            e.active = false;
            if (e.deleted) {
                // deleteAll() came during this attempt and left the queue file to it.
                remove(e);
                return;
            }
            if (e.flushRequested) {
                activate(e);
                return;
            }
            long delay = backoff(e.attempts).toMillis();
            if (!closed) {
                try {
                    e.retryAt = Instant.now().plusMillis(delay);
                    e.retry = timer.schedule(() -> {
                        synchronized (e) {
                            if (!e.active) {
                                activate(e);
                            }
                        }
                    }, delay, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException ex) {
                    // close() raced with this attempt: the mail stays deferred in the capture.
                }
            }
        }
    }

    private DeliveryResult deliver(DeliveryRequest request) {
        Transport t = transports.get(request.transport());
        if (t == null) {
            return DeliveryResult.all(request, "none", Status.DEFERRED, "4.3.0",
                    "mail transport unavailable");
        }
        try {
            return t.deliver(request);
        } catch (RuntimeException ex) {
            // A bug in a delivery agent defers the mail, never loses it.
            log.error("{}/{}: {}: delivery agent failed: {}", instance, request.transport(),
                    request.message().queueId(), ex.toString(), ex);
            return DeliveryResult.all(request, "none", Status.DEFERRED, "4.3.0", "delivery agent failed: "
                    + ex.getClass().getSimpleName());
        }
    }

    /**
     * Postfix: the first retry after minimal_backoff_time, then doubling, capped at
     * maximal_backoff_time; a message becomes eligible then but is picked up by the next deferred
     * queue scan, every queue_run_delay.
     */
    private Duration backoff(int attempts) {
        Duration d = minimalBackoff;
        for (int i = 1; i < attempts && d.compareTo(maximalBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        d = d.compareTo(maximalBackoff) > 0 ? maximalBackoff : d;
        long run = queueRunDelay.toMillis();
        return run <= 0 ? d : Duration.ofMillis(((d.toMillis() + run - 1) / run) * run);
    }

    private void record(DeliveryRequest request, DeliveryResult result) {
        CapturedMessage m = request.message();
        Instant now = Instant.now();
        Duration delay = Duration.between(m.arrivalTime(), now);
        long agent = AGENT_IDS.incrementAndGet();
        Map<Status, List<RecipientStatus>> byStatus = new LinkedHashMap<>();
        for (RecipientStatus s : result.recipients()) {
            byStatus.computeIfAbsent(s.status(), k -> new ArrayList<>()).add(s);
            if (log.isInfoEnabled()) {
                log.info("{}/{}[{}]: {}: to=<{}>, relay={}, delay={}, dsn={}, status={} ({})", instance,
                        request.transport(), agent, m.queueId(), logAddrForm.format(s.recipient()), result.relay(),
                        FormatTv.delay(delay, delayResolution), s.dsn(), s.status().word(), s.reason());
            }
        }
        for (Map.Entry<Status, List<RecipientStatus>> g : byStatus.entrySet()) {
            RecipientStatus first = g.getValue().get(0);
            capture.record(new DeliveryAttempt(m.queueId(), instance, result.sender(),
                    g.getValue().stream().map(RecipientStatus::sentAs).toList(), request.transport(),
                    request.nextHop(), result.relay(), result.saslMethod(), result.saslUsername(), result.tls(),
                    g.getKey(), first.dsn(), first.reason(), delay, now));
        }
    }

    /** Queues the non-delivery notification; false when it could not be queued. */
    private boolean returnToSender(CapturedMessage original, List<RecipientStatus> failed) {
        if (original.sender().isEmpty()) {
            // A bounce of a bounce: Postfix sends it to the postmaster; a harness keeps it in the
            // capture (the original is there) and says so.
            log.warn("{}/bounce: {}: undeliverable bounce for {}, not returned (null sender)", instance,
                    original.queueId(), failed.stream().map(RecipientStatus::recipient).toList());
            return true;
        }
        CapturedMessage bounce = Bounce.of(original, failed, bounceSettings, instance);
        try {
            bounceSink.accept(bounce);
        } catch (RuntimeException | OutOfMemoryError ex) {
            log.warn("{}/bounce: warning: {}: cannot queue the sender non-delivery notification: {}", instance,
                    original.queueId(), ex.toString());
            return false;
        }
        log.info("{}/bounce: {}: sender non-delivery notification: {}", instance, original.queueId(),
                bounce.queueId());
        return true;
    }

    /** Stops delivering; deferred mail stays in the capture (this queue is in memory). */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        agents.shutdownNow();
        for (Transport t : transports.values()) {
            if (t instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing cached connections only
                }
            }
        }
    }
}
