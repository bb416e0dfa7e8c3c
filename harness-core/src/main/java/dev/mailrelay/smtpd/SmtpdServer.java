package dev.mailrelay.smtpd;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.cleanup.Cleanup;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.xsasl.SaslServerImpl;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One {@code smtpd} listener of an instance ({@code master.cf}'s {@code inet ... smtpd} line): it
 * accepts connections and runs a session for each, on its own thread, until closed.
 *
 * <pre>{@code
 * SmtpdServer smtpd = new SmtpdServer("submission", params, dir, sasl, cleanup, capture, faults);
 * smtpd.start(InetAddress.getLoopbackAddress(), 0);   // 0: an ephemeral port
 * int port = smtpd.port();
 * }</pre>
 */
public final class SmtpdServer implements Closeable {

    private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");
    private static final AtomicLong SESSION_IDS = new AtomicLong();
    private static final long SESSION_STACK_SIZE = 512 * 1024;

    private final SmtpdSettings settings;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** The listener; a new one after a {@code refuse()} fault is removed. Guarded by this. */
    private ServerSocket serverSocket;
    private InetSocketAddress bound;
    private boolean closed;
    private ExecutorService sessions;
    private volatile Thread acceptor;
    /** The socket accepted last, to close it when no session can be started for it. */
    private volatile Socket lastAccepted;

    /**
     * Checks the service's parameters; a bad value fails here, naming file, line and parameter.
     *
     * @param sasl the SASL implementation, or {@code null} when {@code smtpd_sasl_auth_enable = no}
     * @param faults the instance's injected faults, shared by its services
     */
    public SmtpdServer(String service, Parameters params, Path baseDirectory, SaslServerImpl sasl, Cleanup cleanup,
                       Capture capture, Faults faults) {
        this.settings = new SmtpdSettings(service, params, baseDirectory, sasl, cleanup, capture, faults);
    }

    /** Binds and starts accepting; {@code port} 0 binds an ephemeral port. */
    public void start(InetAddress address, int port) throws IOException {
        serverSocket = listen(new InetSocketAddress(address, port));
        bound = (InetSocketAddress) serverSocket.getLocalSocketAddress();
        String name = settings.instance + "/" + settings.service;
        sessions = Executors.newCachedThreadPool(r -> {
            // One thread per session, as Postfix runs one smtpd process per client; a small stack
            // lets thousands of idle sessions coexist (a session's call depth is shallow).
            Thread t = new Thread(null, r, "mailrelay-" + name + "-session", SESSION_STACK_SIZE);
            t.setDaemon(true);
            return t;
        });
        startAcceptor(serverSocket);
        settings.faults.onChange(this::refuseOrListen);
        refuseOrListen();
    }

    private static ServerSocket listen(InetSocketAddress address) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        // A deep backlog: a burst of connections (many clients at once) is queued, not refused.
        s.bind(address, 4096);
        return s;
    }

    private void startAcceptor(ServerSocket listener) {
        acceptor = new Thread(() -> acceptLoop(listener),
                "mailrelay-" + settings.instance + "/" + settings.service + "-listener");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * An injected {@code refuse()} fault closes the listener (connections are refused, as by a host
     * with nothing on the port); once no such fault is left it listens again on the same address.
     */
    private synchronized void refuseOrListen() {
        if (closed) {
            return;
        }
        Optional<Fault> refuse = settings.faults.refusing();
        try {
            if (refuse.isPresent() && !serverSocket.isClosed()) {
                closeQuietly(serverSocket);
                // Linux keeps the socket listening while a thread is inside accept() on it; the JDK
                // signals that thread, so the port is closed for sure once the acceptor has ended.
                acceptor.join(5000);
                log.info("{}/{}: listener {}:{} closed (fault injected: {})", settings.instance, settings.service,
                        bound.getAddress().getHostAddress(), bound.getPort(), refuse.get());
            } else if (refuse.isEmpty() && serverSocket.isClosed()) {
                serverSocket = listen(bound);
                startAcceptor(serverSocket);
                log.info("{}/{}: listener {}:{} open again", settings.instance, settings.service,
                        bound.getAddress().getHostAddress(), bound.getPort());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("{}/{}: cannot listen again on {}:{}: {}", settings.instance, settings.service,
                    bound.getAddress().getHostAddress(), bound.getPort(), e.toString());
        }
    }

    private void acceptLoop(ServerSocket listener) {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                lastAccepted = socket;
                open.add(socket);
                SmtpdSession session = new SmtpdSession(settings, socket, SESSION_IDS.incrementAndGet());
                sessions.execute(() -> {
                    try {
                        session.run();
                    } finally {
                        open.remove(socket);
                    }
                });
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    log.warn("{}/{}: accept failed: {}", settings.instance, settings.service, e.toString());
                }
            } catch (RejectedExecutionException e) {
                // close() raced with this accept: the socket is closed with the others.
            } catch (OutOfMemoryError e) {
                // No thread for one more session ("unable to create native thread"): that client is
                // dropped, as a Postfix at its process limit leaves it waiting; the listener lives on.
                log.error("{}/{}: cannot start a session: {}", settings.instance, settings.service, e.toString());
                closeQuietly(lastAccepted);
            }
        }
    }

    private void closeQuietly(Closeable s) {
        if (s != null) {
            open.remove(s);
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** The service name from master.cf. */
    public String service() {
        return settings.service;
    }

    /**
     * The SASL mechanisms this listener's EHLO offers a client (one outside
     * smtpd_sasl_exceptions_networks) before STARTTLS ({@code tls} false) or with TLS: empty when AUTH
     * is not offered then (smtpd_sasl_auth_enable = no; before TLS under smtpd_tls_auth_only).
     *
     * @throws java.io.UncheckedIOException when the SASL backend cannot be reached (Dovecot)
     */
    public List<String> saslMechanisms(boolean tls) {
        if (settings.sasl == null || (!tls && settings.tls.authOnly())) {
            return List.of();
        }
        String address = address().getHostAddress();
        return settings.newSaslServer(tls, address, address).mechanisms();
    }

    /** Whether this listener offers TLS with a certificate of the harness CA ({@link dev.mailrelay.tls.SmtpdTls#harnessCertificate()}). */
    public boolean harnessCertificate() {
        return settings.tls.harnessCertificate();
    }

    /** The bound address. */
    public InetAddress address() {
        return bound.getAddress();
    }

    /** The bound port (also while a {@code refuse()} fault keeps the listener closed). */
    public int port() {
        return bound.getPort();
    }

    /**
     * Stops accepting at once, without waiting for the listener thread to end ({@link #close()} waits
     * for it): a harness stops every listener of every instance first, so that their threads end side
     * by side instead of one after the other.
     */
    public synchronized void stopAccepting() {
        closed = true;
        closeQuietly(serverSocket);
    }

    /** Stops accepting and closes every open session; the port is closed when it returns. */
    @Override
    public void close() {
        stopAccepting();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        if (sessions != null) {
            sessions.shutdownNow();
        }
        if (acceptor != null) {
            try {
                acceptor.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (settings.sasl != null) {
            settings.sasl.close();   // e.g. the Dovecot auth connection
        }
    }
}
