package dev.mailrelay.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The benchmark's own SMTP client: raw bytes over a socket, one command at a time (no pipelining),
 * the same code for every server measured, so that the client costs the same on each side.
 */
final class RawSmtp implements Closeable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final StringBuilder line = new StringBuilder();
    /** System.nanoTime() when the last reply was complete. */
    long lastReplyNanos;

    RawSmtp(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        socket.setSoTimeout(60_000);
        in = new BufferedInputStream(socket.getInputStream(), 16384);
        out = new BufferedOutputStream(socket.getOutputStream(), 65536);
        expect(220, "greeting");
    }

    /** Opens a session: greeting, EHLO and (when user is not null) AUTH PLAIN with an initial response. */
    static RawSmtp open(int port, String user, String password) throws IOException {
        RawSmtp c = new RawSmtp(port);
        c.command("EHLO bench.client.example", 250);
        if (user != null) {
            String ir = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            c.command("AUTH PLAIN " + ir, 235);
        }
        return c;
    }

    /** Sends one message (content already CRLF and dot-stuffed, without the final dot). */
    void send(String from, String to, byte[] content) throws IOException {
        command("MAIL FROM:<" + from + ">", 250);
        command("RCPT TO:<" + to + ">", 250);
        command("DATA", 354);
        out.write(content);
        out.write(DOT);
        out.flush();
        expect(250, "end of DATA");
    }

    private static final byte[] DOT = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    void command(String command, int expected) throws IOException {
        out.write(command.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
        out.flush();
        expect(expected, command.length() > 12 && command.startsWith("AUTH") ? "AUTH" : command);
    }

    void quit() throws IOException {
        try {
            command("QUIT", 221);
        } finally {
            close();
        }
    }

    private void expect(int code, String after) throws IOException {
        int got = reply();
        if (got != code) {
            throw new IOException("expected " + code + " after " + after + ", got: " + line);
        }
    }

    /** Reads one (possibly multi-line) reply and returns its code. */
    private int reply() throws IOException {
        while (true) {
            line.setLength(0);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new IOException("connection closed; partial line: " + line);
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                lastReplyNanos = System.nanoTime();
                return Integer.parseInt(line.substring(0, 3));
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A message of about {@code size} bytes: a few headers and 76-character lines of text, CRLF. */
    static byte[] message(int size, String from, String to) {
        StringBuilder sb = new StringBuilder(size + 200);
        sb.append("From: <").append(from).append(">\r\nTo: <").append(to).append(">\r\n")
                .append("Subject: benchmark ").append(size).append(" bytes\r\n")
                .append("Message-ID: <bench-").append(size).append("@bench.client.example>\r\n\r\n");
        String text = "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstu";
        while (sb.length() < size) {
            sb.append(text, 0, Math.min(text.length(), Math.max(1, size - sb.length() - 2))).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
