package dev.mailrelay.smtpd;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A raw SMTP client for replaying reference dialogs: sends a line (CRLF added) and reads the reply
 * lines up to the one with a space (or nothing) after the code. Every read times out by itself.
 */
final class SmtpDialog implements AutoCloseable {

    private Socket socket = new Socket();
    private InputStream in;
    private OutputStream out;
    /** The 220 greeting, read on connect. */
    final List<String> greeting;

    private SmtpDialog(int port, String localAddress) throws IOException {
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(localAddress, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        greeting = reply();
    }

    /** Connects from 127.0.0.1; the greeting is in {@link #greeting}. */
    static SmtpDialog open(int port) throws IOException {
        return new SmtpDialog(port, (String) null);
    }

    /** Connects from {@code localAddress} (127.0.0.2 is outside the default mynetworks). */
    static SmtpDialog openFrom(int port, String localAddress) throws IOException {
        return new SmtpDialog(port, localAddress);
    }

    /** Connects with TLS from the start (wrapper mode), trusting what {@code factory} trusts. */
    static SmtpDialog openTls(int port, SSLSocketFactory factory) throws IOException {
        return new SmtpDialog(port, factory);
    }

    private SmtpDialog(int port, SSLSocketFactory factory) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        startTls(factory);
        greeting = reply();
    }

    /** Runs the client handshake over the connection (after "220 2.0.0 Ready to start TLS"). */
    SSLSocket startTls(SSLSocketFactory factory) throws IOException {
        SSLSocket ssl = (SSLSocket) factory.createSocket(socket, "localhost", socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        socket = ssl;
        in = new BufferedInputStream(ssl.getInputStream());
        out = ssl.getOutputStream();
        return ssl;
    }

    /** Sends one command line and returns its reply lines. */
    List<String> send(String line) throws IOException {
        write(line + "\r\n");
        return reply();
    }

    /** Sends raw text without reading a reply (message content, pipelined commands). */
    void write(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one (possibly multi-line) reply; a closed connection ends it with "[closed]". */
    List<String> reply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = readLine();
            if (l == null) {
                lines.add("[closed]");
                return lines;
            }
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                return lines;
            }
        }
    }

    /** One reply line, CRLF required and stripped; null at end of input. */
    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                    throw new IOException("reply line without CRLF: " + b);
                }
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
