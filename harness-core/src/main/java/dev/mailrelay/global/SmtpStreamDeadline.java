package dev.mailrelay.global;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The time limits of one SMTP connection, as Postfix's {@code smtp_stream_setup()} (global/smtp_stream.c)
 * puts them on the vstream, for smtpd and the smtp client alike. For smtpd: without {@code smtpd_per_request_deadline} every read and every write may take at
 * most {@code smtpd_timeout}. With it, {@code smtpd_timeout} is the time budget for all the reads
 * and writes of one request (a command, its reply and any SASL lines in between), and while message
 * content arrives every transfer adds bytes / {@code smtpd_min_data_rate} seconds, never beyond
 * {@code smtpd_timeout}. As in vstream.c only the time spent waiting for I/O counts, not processing.
 *
 * <p>Reads are bounded by the socket's {@code SO_TIMEOUT}. Java sockets have no write timeout, so a
 * write that blocks past its limit (a client that pipelines commands and never reads the replies, an
 * upstream that stops reading the message body) is ended by the watchdog: one daemon thread for all
 * connections, which closes that connection; the write then fails as a timeout. The smtp client
 * changes the limit per protocol state ({@link #setTimeout}: {@code smtp_data_xfer_timeout} while it
 * sends the message content).
 *
 * <pre>{@code
 * SmtpStreamDeadline deadline = new SmtpStreamDeadline(socket, Duration.ofSeconds(300), false);
 * OutputStream out = deadline.guard(socket.getOutputStream());
 * deadline.watch();              // until deadline.close() when the session ends
 * deadline.startRequest(0);      // before each command; startRequest(500) before message content
 * }</pre>
 */
public final class SmtpStreamDeadline implements AutoCloseable {

    /** How often the watchdog looks at blocked writes; far below any sensible smtpd_timeout. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** The TCP connection (under TLS too): closing it ends a blocked read or write. */
    private final Socket connection;
    private long timeout;
    private final boolean perRequest;
    /** With a per-request deadline: the time left for I/O in this request, in nanoseconds. */
    private long budget;
    private int minDataRate;
    private int soTimeout = -1;
    /** When the write in progress must have ended ({@link System#nanoTime()}); 0 when none is. */
    private volatile long writeDeadline;
    /** Whether the watchdog closed the connection. */
    private volatile boolean expired;

    /**
     * @param connection the TCP connection (under TLS too)
     * @param timeout    the limit of each read and write, or of each request with {@code perRequest}
     * @param perRequest whether the limit is a per-request deadline (smtpd_per_request_deadline)
     */
    public SmtpStreamDeadline(Socket connection, Duration timeout, boolean perRequest) {
        this.connection = connection;
        this.timeout = timeout.toNanos();
        this.perRequest = perRequest;
        this.budget = this.timeout;
    }

    /** The session has started: from now on the watchdog bounds its writes. */
    public void watch() {
        Watchdog.watch(this);
    }

    /** smtp_stream_setup(): a new request gets the whole budget; {@code minDataRate} 0 gives no bonus. */
    public void startRequest(int minDataRate) {
        this.budget = timeout;
        this.minDataRate = minDataRate;
    }

    /** smtp_stream_setup() with a new timeout: the limit of the reads and writes that follow. */
    public void setTimeout(Duration timeout) {
        this.timeout = timeout.toNanos();
        this.budget = this.timeout;
    }

    /** The time the next read or write may take, in nanoseconds; none left is a timeout. */
    private long left() throws SocketTimeoutException {
        if (!perRequest) {
            return timeout;
        }
        if (budget <= 0) {
            throw new SocketTimeoutException("request deadline exceeded");
        }
        return budget;
    }

    /** Sets the socket's read timeout for the next read; call {@link #transferred} after it. */
    public void beforeRead() throws IOException {
        // Rounded up to the millisecond: SO_TIMEOUT 0 would mean no timeout at all.
        int ms = (int) Math.min(Integer.MAX_VALUE, (left() + 999_999) / 1_000_000);
        if (ms != soTimeout) {
            connection.setSoTimeout(ms);
            soTimeout = ms;
        }
    }

    /** Charges one read or write that started at {@code start} and moved {@code bytes} (vstream.c). */
    public void transferred(long start, int bytes) {
        if (!perRequest) {
            return;
        }
        budget -= System.nanoTime() - start;
        if (minDataRate > 0 && bytes > 0) {
            budget = Math.min(timeout, budget + bytes * 1_000_000_000L / minDataRate);
        }
    }

    /** {@code out} with every write bounded by this deadline. */
    public OutputStream guard(OutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                long start = System.nanoTime();
                writeDeadline = (start + left()) | 1;   // never 0, which means "no write"
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    if (expired) {
                        throw timedOut(e);
                    }
                    throw e;
                } finally {
                    writeDeadline = 0;
                }
                if (expired) {
                    throw timedOut(null);
                }
                transferred(start, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    private static SocketTimeoutException timedOut(IOException cause) {
        SocketTimeoutException e = new SocketTimeoutException("write timed out");
        e.initCause(cause);
        return e;
    }

    /** Called by the watchdog: ends a write blocked past its deadline by closing the connection. */
    private void check(long now) {
        long until = writeDeadline;
        if (until != 0 && now - until > 0 && !expired) {
            expired = true;
            try {
                connection.close();
            } catch (IOException ignored) {
                // closed already: the write has failed anyway
            }
        }
    }

    /** The session has ended: the watchdog forgets it. */
    @Override
    public void close() {
        Watchdog.unwatch(this);
    }

    /** One thread for every session's writes; it waits, without ticking, while no session is open. */
    private static final class Watchdog {
        private static final Set<SmtpStreamDeadline> WATCHED = ConcurrentHashMap.newKeySet();
        private static final ReentrantLock LOCK = new ReentrantLock();
        private static final Condition NOT_EMPTY = LOCK.newCondition();
        private static Thread thread;

        static void watch(SmtpStreamDeadline d) {
            WATCHED.add(d);
            LOCK.lock();
            try {
                if (thread == null) {
                    thread = new Thread(Watchdog::run, "mailrelay-smtp-stream-watchdog");
                    thread.setDaemon(true);
                    thread.start();
                }
                NOT_EMPTY.signal();
            } finally {
                LOCK.unlock();
            }
        }

        static void unwatch(SmtpStreamDeadline d) {
            WATCHED.remove(d);
        }

        private static void run() {
            while (true) {
                LOCK.lock();
                try {
                    while (WATCHED.isEmpty()) {
                        NOT_EMPTY.awaitUninterruptibly();
                    }
                } finally {
                    LOCK.unlock();
                }
                long now = System.nanoTime();
                for (SmtpStreamDeadline d : WATCHED) {
                    d.check(now);
                }
                // The watchdog's period, not a wait for an event: a blocked write signals nothing.
                LockSupport.parkNanos(TICK_NANOS);
            }
        }
    }
}
