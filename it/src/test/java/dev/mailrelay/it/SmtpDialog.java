package dev.mailrelay.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A raw SMTP client for scripted dialogs: sends lines exactly as given and returns each reply's lines
 * as the server sent them (CRLF stripped). A closed connection is the reply {@code [closed]}; reads are
 * bounded by the socket timeout.
 *
 * <pre>{@code
 * try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
 *     d.greeting();                       // [220 mail.example.com ESMTP Postfix (Debian/GNU)]
 *     List<String> ehlo = d.send("EHLO client.example.net");
 *     d.send("AUTH PLAIN " + SmtpDialog.b64("\0alice\0secret"));
 * }
 * }</pre>
 */
final class SmtpDialog implements AutoCloseable {
    static final String CLOSED = "[closed]";

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private SmtpDialog(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects from {@code bindAddress} (null: any loopback address) with a 15 s read timeout. */
    static SmtpDialog open(String host, int port, String bindAddress) {
        return open(host, port, bindAddress, 15_000);
    }

    /** As {@link #open(String, int, String)} with a read timeout of {@code readTimeoutMillis}. */
    static SmtpDialog open(String host, int port, String bindAddress, int readTimeoutMillis) {
        try {
            Socket s = new Socket();
            if (bindAddress != null) {
                s.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
            }
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(readTimeoutMillis);
            return new SmtpDialog(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
    }

    /**
     * After a {@code 220} reply to STARTTLS: the TLS handshake on this connection, trusting any server
     * certificate (the dialogs compare replies, not certificates). Bytes the server sent before the
     * handshake and not yet read are lost, as they are for a real client.
     *
     * @return the negotiated protocol, e.g. {@code TLSv1.3}, or the handshake's error as {@code [tls failed: ...]}
     */
    String startTls() {
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                    .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.startHandshake();
            socket = ssl;
            in = new BufferedInputStream(ssl.getInputStream());
            out = ssl.getOutputStream();
            return ssl.getSession().getProtocol();
        } catch (IOException | java.security.GeneralSecurityException e) {
            return "[tls failed: " + e.getMessage() + "]";
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The greeting. */
    List<String> greeting() {
        return reply();
    }

    /** Sends one line (CRLF appended) and reads one reply. */
    List<String> send(String line) {
        write(line);
        return reply();
    }

    /** Sends one line without reading. */
    void write(String line) {
        writeRaw(line + "\r\n");
    }

    /** Sends {@code text} as is (ISO-8859-1 bytes, no CRLF appended) without reading. */
    void writeRaw(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            // the server closed the connection; the next reply() reports it
        }
    }

    /** Reads one (possibly multi-line) reply. */
    List<String> reply() {
        List<String> lines = new ArrayList<>();
        try {
            while (true) {
                String l = readLine();
                if (l == null) {
                    lines.add(CLOSED);
                    return lines;
                }
                lines.add(l);
                if (l.length() < 4 || l.charAt(3) != '-') {
                    return lines;
                }
            }
        } catch (SocketTimeoutException e) {
            lines.add("[timeout]");
            return lines;
        } catch (IOException e) {
            lines.add(CLOSED);
            return lines;
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
