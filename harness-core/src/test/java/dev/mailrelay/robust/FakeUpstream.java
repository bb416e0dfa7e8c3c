package dev.mailrelay.robust;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable SMTP server that misbehaves on cue: on its first connection it fails at one stage
 * (a reply, a dropped connection, silence, or broken TLS); every later connection behaves. It records
 * every message it answered "250" after DATA for, so a test can count deliveries.
 */
final class FakeUpstream implements AutoCloseable {

    /** Where the first connection fails. */
    enum Stage { GREETING, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, CONTENT, DOT, NONE }

    /** What it does there: a reply line, or {@link #DROP} / {@link #SILENCE}. */
    static final String DROP = "<drop>";
    static final String SILENCE = "<silence>";

    private final ServerSocket server;
    private final Stage stage;
    private final String fault;
    private final boolean offerStartTls;
    private final AtomicInteger connections = new AtomicInteger();
    /** The fault happens once: a later session, or a later transaction on a reused one, goes well. */
    private final java.util.concurrent.atomic.AtomicBoolean faultPending = new java.util.concurrent.atomic.AtomicBoolean(true);
    final List<String> accepted = new CopyOnWriteArrayList<>();
    /** Also drop the connection when the client sends RSET (after a refused transaction, say). */
    volatile boolean dropOnRset;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeUpstream(int port, Stage stage, String fault, boolean offerStartTls) throws IOException {
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        this.stage = stage;
        this.fault = fault;
        this.offerStartTls = offerStartTls;
        this.acceptor = new Thread(this::acceptLoop, "fake-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                boolean faulty = connections.incrementAndGet() == 1;
                Thread t = new Thread(() -> serve(s, faulty ? stage : Stage.NONE), "fake-upstream-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, Stage failAt) {
        try (s) {
            s.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            if (step(failAt, Stage.GREETING, in, out, "220 fake.upstream ESMTP")) {
                return;
            }
            String from = null;
            String subject = null;
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                String verb = line.split(" ", 2)[0].toUpperCase();
                switch (verb) {
                    case "EHLO" -> {
                        if (failAt == Stage.EHLO && faultPending.get() && step(failAt, Stage.EHLO, in, out, null)) {
                            return;
                        }
                        send(out, "250-fake.upstream\r\n250-PIPELINING\r\n" + (offerStartTls ? "250-STARTTLS\r\n" : "")
                                + "250 AUTH PLAIN LOGIN");
                    }
                    case "STARTTLS" -> {
                        // No TLS here: the handshake that follows fails (garbage, then close).
                        send(out, "220 2.0.0 Ready to start TLS");
                        out.write("this is not a TLS ServerHello\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        return;
                    }
                    case "AUTH" -> {
                        if (step(failAt, Stage.AUTH, in, out, "235 2.7.0 Authentication successful")) {
                            return;
                        }
                    }
                    case "MAIL" -> {
                        from = line;
                        if (step(failAt, Stage.MAIL, in, out, "250 2.1.0 Ok")) {
                            return;
                        }
                    }
                    case "RCPT" -> {
                        if (step(failAt, Stage.RCPT, in, out, "250 2.1.5 Ok")) {
                            return;
                        }
                    }
                    case "DATA" -> {
                        if (step(failAt, Stage.DATA, in, out, "354 End data with <CR><LF>.<CR><LF>")) {
                            return;
                        }
                        int lines = 0;
                        while (true) {
                            String l = readLine(in);
                            if (l == null) {
                                return;
                            }
                            if (l.equals(".")) {
                                break;
                            }
                            if (l.startsWith("Subject: ")) {
                                subject = l.substring(9);
                            }
                            if (++lines == 3 && failAt == Stage.CONTENT) {
                                return;   // dropped in the middle of the content
                            }
                        }
                        if (failAt == Stage.DOT && fault.equals(DROP) && faultPending.compareAndSet(true, false)) {
                            accepted.add(subject);   // got it all, but the client never hears so
                            return;
                        }
                        if (failAt == Stage.DOT && faultPending.get()) {
                            if (step(failAt, Stage.DOT, in, out, null)) {
                                return;
                            }
                        } else {
                            accepted.add(subject);   // recorded before the client can hear the 250
                            send(out, "250 2.0.0 Ok: queued as FAKE" + connections.get());
                        }
                    }
                    case "RSET" -> {
                        if (dropOnRset) {
                            return;
                        }
                        send(out, "250 2.0.0 Ok");
                    }
                    case "NOOP" -> send(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        send(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> send(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /**
     * At the failing stage: reply with the fault (true when the session should end after it:
     * drop, silence until the client leaves, or a 421); elsewhere the normal reply.
     */
    private boolean step(Stage failAt, Stage here, InputStream in, OutputStream out, String normal) throws IOException {
        if (failAt != here || !faultPending.compareAndSet(true, false)) {
            if (normal != null) {
                send(out, normal);
            }
            return false;
        }
        if (fault.equals(DROP)) {
            return true;
        }
        if (fault.equals(SILENCE)) {
            while (in.read() >= 0) {
                // say nothing until the client gives up (its timeout) and closes
            }
            return true;
        }
        send(out, fault);
        return fault.startsWith("421");
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
