package dev.mailrelay.xsasl;

import dev.mailrelay.capture.Maillog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;

/**
 * One client connection to a Dovecot auth service's {@code auth-client} socket, as Postfix's
 * xsasl_dovecot_server_connect() opens it: {@code VERSION 1 0} and {@code CPID}, then the server's
 * {@code VERSION}, {@code MECH}, {@code SPID}, {@code CUID}, {@code COOKIE} lines up to {@code DONE}.
 * Unlike a Postfix smtpd process, which serves one SMTP session at a time, the harness runs many
 * sessions on one connection: requests carry ids unique per connection (the protocol allows any
 * number in flight), a reader thread hands each {@code OK}/{@code CONT}/{@code FAIL} line to the
 * request with its id, and a reply with an unknown id is ignored, as Postfix ignores it.
 * Every wait is bounded by Postfix's {@code AUTH_TIMEOUT} (10 s).
 */
final class DovecotAuthConnection implements AutoCloseable {
    private static final Logger LOG = Maillog.logger(DovecotAuthConnection.class);
    /** Postfix's AUTH_TIMEOUT. */
    static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_LINE = 64 * 1024;

    /** A mechanism as a MECH line announced it. */
    record Mech(String name, int props) {
    }

    private final String path;
    private final SocketChannel channel;
    private final CompletableFuture<List<Mech>> handshake = new CompletableFuture<>();
    private final Map<Integer, CompletableFuture<String[]>> pending = new ConcurrentHashMap<>();
    private final List<Mech> mechs = new ArrayList<>();
    private final Object writeLock = new Object();
    private int nextId;
    private volatile boolean lost;

    private DovecotAuthConnection(String path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /**
     * Connects and completes the handshake.
     *
     * @throws IOException when the socket cannot be reached or the handshake fails (Postfix's
     *                     "SASL: Connect to Dovecot auth socket '...' failed" and friends)
     */
    static DovecotAuthConnection open(String path, SocketAddress address) throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(address);
        } catch (IOException e) {
            throw new IOException("SASL: Connect to Dovecot auth socket '" + path + "' failed: " + e.getMessage(), e);
        }
        DovecotAuthConnection c = new DovecotAuthConnection(path, channel);
        Thread reader = new Thread(c::readLoop, "dovecot-auth " + path);
        reader.setDaemon(true);
        reader.start();
        try {
            c.write("VERSION\t1\t0\nCPID\t" + ProcessHandle.current().pid() + "\n");
            c.handshake.get(AUTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return c;
        } catch (ExecutionException e) {
            c.close();
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            c.close();
            throw new IOException("SASL: timeout in handshake with Dovecot auth socket '" + path + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IOException("interrupted", e);
        }
    }

    /** The mechanisms the server announced (without those flagged {@code private}), in its order. */
    List<Mech> mechanisms() {
        return List.copyOf(mechs);
    }

    boolean lost() {
        return lost;
    }

    /** A request id not used before on this connection. */
    synchronized int newId() {
        return ++nextId;
    }

    /**
     * Sends one request line for {@code id} and waits for the reply with that id.
     *
     * @return the reply's fields (command, id, arguments...), or {@code null} when the connection was
     *         lost or the server did not answer in time
     * @throws IOException when the request could not be written
     */
    String[] request(int id, String line) throws IOException {
        CompletableFuture<String[]> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            if (lost) {
                throw new IOException("connection lost");
            }
            write(line);
            return reply.get(AUTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            close();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            pending.remove(id);
        }
    }

    private void write(String text) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        synchronized (writeLock) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        dispatch(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else if (line.size() < MAX_LINE) {
                        line.write(b);
                    }
                }
                buffer.clear();
            }
        } catch (IOException e) {
            LOG.debug("Dovecot auth socket {}: {}", path, e.toString());
        } finally {
            lost = true;
            IOException eof = new IOException("Connection lost to authentication server");
            handshake.completeExceptionally(new IOException("SASL: Dovecot auth socket '" + path
                    + "' closed the connection during the handshake"));
            pending.values().forEach(f -> f.completeExceptionally(eof));
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Handles one server line as xsasl_dovecot_server_connect() and _handle_reply() do. */
    private void dispatch(String text) {
        String[] f = text.split("\t", -1);
        if (!handshake.isDone()) {
            switch (f[0]) {
                case "VERSION" -> {
                    if (f.length < 3 || !f[1].matches("\\d+") || !f[2].matches("\\d+")) {
                        handshake.completeExceptionally(new IOException("SASL: Protocol version error"));
                    } else if (!f[1].equals("1")) {
                        handshake.completeExceptionally(new IOException(
                                "SASL: Protocol version mismatch (" + f[1] + " vs. 1)"));
                    }
                }
                case "MECH" -> {
                    if (f.length >= 2) {
                        int props = 0;
                        for (int i = 2; i < f.length; i++) {
                            props |= DovecotServerImpl.serverProperty(f[i]);
                        }
                        if ((props & DovecotServerImpl.PRIVATE) == 0) {
                            mechs.add(new Mech(f[1], props));
                        }
                    }
                }
                case "SPID" -> {
                    if (mechs.isEmpty()) {
                        handshake.completeExceptionally(new IOException(
                                "SASL: Connected to wrong auth socket (auth-master instead of auth-client)"));
                    }
                }
                case "DONE" -> handshake.complete(List.copyOf(mechs));
                default -> { }   // CUID, COOKIE and anything newer: ignored, as by Postfix
            }
            return;
        }
        if ((f[0].equals("OK") || f[0].equals("CONT") || f[0].equals("FAIL")) && f.length >= 2) {
            try {
                CompletableFuture<String[]> reply = pending.get(Integer.parseInt(f[1]));
                if (reply != null) {
                    reply.complete(f);
                }
            } catch (NumberFormatException e) {
                // a reply to no request of ours: ignored, as by Postfix
            }
        }
    }

    @Override
    public void close() {
        lost = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public String toString() {
        return "DovecotAuthConnection[" + path + (lost ? ", lost" : "") + "]";
    }
}
