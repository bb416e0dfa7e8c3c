package dev.mailrelay.api;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.client.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * {@code GET /api/events}: server-sent events telling the web UI that an instance captured a message,
 * recorded a delivery attempt or an injected fault, had its faults changed or was reset
 * ({@code event: change}, {@code data: {"instance": ...,
 * "messages": N, "deliveries": N}}); the page then reloads what it shows.
 *
 * <p>No thread waits per client: each instance's capture completes a future on its next change
 * ({@code Capture.changedAfter}), whose continuation writes the event to every open stream on the
 * API's pool and watches again. At most {@link #MAX_CLIENTS} streams are open at once; one more is
 * answered {@code 503} naming the limit. A comment line every {@link #HEARTBEAT} finds streams whose
 * browser went away (the write fails) and frees their place. A page that stays connected but stops
 * reading would block the pool thread writing to it once its socket buffer is full: a write blocked
 * longer than {@link #WRITE_TIMEOUT} is interrupted, which drops that stream and frees the thread.
 *
 * <pre>{@code
 * const events = new EventSource('/api/events');
 * events.addEventListener('change', e => refresh(JSON.parse(e.data)));
 * }</pre>
 */
final class EventStream implements AutoCloseable {

    /** One line per event: SSE ends an event at an empty line. */
    private static final com.fasterxml.jackson.databind.ObjectWriter EVENT_JSON = Json.mapper().writer()
            .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private static final Logger log = Maillog.logger("dev.mailrelay.api");
    /** The most event streams open at once: a few browser tabs, never a thread each. */
    static final int MAX_CLIENTS = 16;
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** How long one write to a stream may block (its page stopped reading) before the stream is dropped. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final Duration writeTimeout;
    /** Schedules the heartbeat and watches for stalled writes. */
    private final ScheduledExecutorService timer;

    private final Executor executor;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<?>> watching = ConcurrentHashMap.newKeySet();
    /** What each instance's faults tell of their changes, removed again at close. */
    private final Map<Instance, Runnable> faultListeners = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * One open stream; writes to it are serialised. A write blocks while the client's socket buffer is
     * full (a page that stopped reading): {@link #interruptStalled} ends such a write after the write
     * timeout, which closes the connection (an interrupted channel write closes the channel).
     */
    private static final class Client {
        final HttpExchange exchange;
        final OutputStream out;
        /** The thread writing now and since when; guarded by itself (not by the write's monitor). */
        private final Object stall = new Object();
        private Thread writer;
        private long since;

        Client(HttpExchange exchange) {
            this.exchange = exchange;
            this.out = exchange.getResponseBody();
        }

        synchronized void write(String text) throws IOException {
            synchronized (stall) {
                writer = Thread.currentThread();
                since = System.nanoTime();
            }
            try {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } finally {
                synchronized (stall) {
                    writer = null;
                }
                Thread.interrupted();   // an interrupt meant for this write goes no further
            }
        }

        /** Interrupts a write in progress for longer than {@code timeoutNanos}; true when it did. */
        boolean interruptStalled(long timeoutNanos) {
            synchronized (stall) {
                if (writer != null && System.nanoTime() - since > timeoutNanos) {
                    writer.interrupt();
                    return true;
                }
                return false;
            }
        }
    }

    EventStream(Harness harness, Executor executor) {
        this(harness, executor, WRITE_TIMEOUT);
    }

    /** @param writeTimeout how long one write to a stream may block before the stream is dropped */
    EventStream(Harness harness, Executor executor, Duration writeTimeout) {
        this.executor = executor;
        this.writeTimeout = writeTimeout;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mailrelay-api-events-timer");
            t.setDaemon(true);
            return t;
        });
        for (Instance i : harness.instances()) {
            watch(i, i.capture().changes());
            // A fault installed or removed (by the page, a test, MailRelayClient) is a change too.
            Runnable faultsChanged = () -> {
                try {
                    executor.execute(() -> changed(i));
                } catch (RejectedExecutionException e) {
                    // the API is closing: no page to tell
                }
            };
            i.faults().onChange(faultsChanged);
            faultListeners.put(i, faultsChanged);
        }
        // On a thread of its own: a stalled write may hold the pool's threads.
        long check = Math.max(1, writeTimeout.toMillis() / 2);
        timer.scheduleWithFixedDelay(this::dropStalled, check, check, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> executor.execute(() -> clients.forEach(c -> send(c, ": ping\n\n"))),
                HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void dropStalled() {
        for (Client c : clients) {
            if (c.interruptStalled(writeTimeout.toNanos())) {
                log.info("api: event stream to {} dropped: a write blocked longer than {} (the page stopped reading)",
                        c.exchange.getRemoteAddress(), writeTimeout);
            }
        }
    }

    /** Opens a stream for {@code ex}; false (nothing sent) when {@link #MAX_CLIENTS} are open already. */
    boolean open(HttpExchange ex) throws IOException {
        Client c = new Client(ex);
        synchronized (clients) {
            if (closed || clients.size() >= MAX_CLIENTS) {
                return false;
            }
            clients.add(c);
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, 0);   // chunked: one chunk per event
        send(c, ": mailrelay events\nretry: 2000\n\n");
        return true;
    }

    /** How many streams are open. */
    int clients() {
        return clients.size();
    }

    private void watch(Instance instance, long seen) {
        if (closed) {
            return;
        }
        CompletableFuture<Long> change = instance.capture().changedAfter(seen);
        watching.add(change);
        change.whenCompleteAsync((now, failure) -> {
            watching.remove(change);
            if (failure != null) {
                return;     // cancelled by close()
            }
            changed(instance);
            watch(instance, now);
        }, executor);
    }

    private void changed(Instance instance) {
        // With no stream open nobody reads the counts: copying the capture's lists on every message
        // cost the standalone runner O(messages held) per message (half its CPU after 20,000).
        if (closed || clients.isEmpty()) {
            return;
        }
        broadcast("change", Map.of("instance", instance.name(),
                "messages", instance.capture().messages().size(),
                "deliveries", instance.capture().deliveries().size()));
    }

    private void broadcast(String event, Object data) {
        String json;
        try {
            json = EVENT_JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String text = "event: " + event + "\ndata: " + json + "\n\n";
        clients.forEach(c -> send(c, text));
    }

    /** Writes to one stream; a stream that cannot be written to is closed and its place freed. */
    private void send(Client c, String text) {
        try {
            c.write(text);
        } catch (IOException | RuntimeException e) {
            log.debug("api: event stream to {} closed: {}", c.exchange.getRemoteAddress(), e.toString());
            drop(c);
        }
    }

    private void drop(Client c) {
        clients.remove(c);
        try {
            c.exchange.close();
        } catch (RuntimeException e) {
            log.debug("api: closing event stream to {}: {}", c.exchange.getRemoteAddress(), e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        faultListeners.forEach((i, l) -> i.faults().removeOnChange(l));
        timer.shutdownNow();
        watching.forEach(f -> f.cancel(false));
        clients.forEach(this::drop);
    }
}
