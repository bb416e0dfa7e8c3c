package dev.mailrelay.smtp;

import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Idle connections kept for reuse, Postfix's connection cache as smtp_reuse.c and smtp_session.c
 * use scache(8): a delivery that ends with the connection still open leaves it here under the
 * next-hop destination for {@code smtp_connection_cache_time_limit}; the next delivery to that
 * destination takes the most recently used one that still answers RSET. With no time limit every
 * connection is closed after its delivery.
 */
final class ConnectionCache implements AutoCloseable {

    /** At most this many idle connections are kept per destination (the queue manager runs 4 agents). */
    private static final int MAX_IDLE_PER_DESTINATION = 8;

    private final long timeLimitMillis;
    /**
     * Idle connections by next-hop destination, most recently used last. Several per destination,
     * as Postfix's scache keeps one per smtp process: concurrent deliveries to one relayhost each
     * reuse a connection instead of the last one to finish closing the others'.
     */
    private final Map<String, Deque<CachedSession>> cache = new ConcurrentHashMap<>();
    private final ScheduledExecutorService idleCloser = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailrelay-smtp-connection-cache");
        t.setDaemon(true);
        return t;
    });

    /** Set by {@link #close()}: a delivery that ends afterwards keeps nothing. */
    private volatile boolean closed;

    private record CachedSession(SmtpClientSession session, long expires) {
    }

    /** @param timeLimit how long an idle connection is kept; zero keeps none */
    ConnectionCache(Duration timeLimit) {
        this.timeLimitMillis = timeLimit.toMillis();
    }

    /** A cached connection to the destination that still answers RSET, or {@code null}. */
    SmtpClientSession take(String destination) {
        CachedSession cached;
        while ((cached = takeIdle(destination)) != null) {
            if (cached.expires > System.currentTimeMillis() && cached.session.isOpen()) {
                try {
                    if (cached.session.command("RSET", "sending RSET probe").positive()) {
                        return cached.session;
                    }
                } catch (SmtpClientSession.SmtpClientException ignored) {
                    // the cached connection went stale; try the next, else the caller opens a fresh one
                }
            }
            cached.session.close();
        }
        return null;
    }

    /** The most recently used idle connection to the destination, or null. */
    private CachedSession takeIdle(String destination) {
        Deque<CachedSession> idle = cache.get(destination);
        return idle == null ? null : idle.pollLast();
    }

    /** Keeps a connection after its delivery, or says QUIT when there is no caching. */
    void release(String destination, SmtpClientSession session) {
        if (!session.isOpen()) {
            return;
        }
        if (timeLimitMillis <= 0 || closed) {
            session.quit();
            return;
        }
        CachedSession entry = new CachedSession(session, System.currentTimeMillis() + timeLimitMillis);
        Deque<CachedSession> idle = cache.computeIfAbsent(destination, k -> new ConcurrentLinkedDeque<>());
        idle.addLast(entry);
        while (idle.size() > MAX_IDLE_PER_DESTINATION) {
            CachedSession oldest = idle.pollFirst();
            if (oldest != null) {
                oldest.session.quit();
            }
        }
        try {
            // An idle connection is closed when its time is up, as Postfix's scache does.
            idleCloser.schedule(() -> {
                if (idle.remove(entry)) {
                    entry.session.quit();
                }
            }, timeLimitMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // close() came while this delivery ended (the instance is stopping): nothing is kept.
            if (idle.remove(entry)) {
                entry.session.quit();
            }
        }
    }

    /** Closes the idle connections. */
    @Override
    public void close() {
        closed = true;
        idleCloser.shutdownNow();
        for (Deque<CachedSession> idle : cache.values()) {
            CachedSession c;
            while ((c = idle.pollLast()) != null) {
                c.session.quit();
            }
        }
        cache.clear();
    }
}
