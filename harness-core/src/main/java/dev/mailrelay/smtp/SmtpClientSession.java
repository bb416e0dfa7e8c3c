package dev.mailrelay.smtp;

import dev.mailrelay.capture.TlsInfo;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.dns.Endpoint;
import dev.mailrelay.global.SmtpStreamDeadline;
import dev.mailrelay.capture.MessageContent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One connection of the SMTP client to a server: the greeting, EHLO (HELO as fallback) and its
 * features, commands and replies, and the message content with dot-stuffing. Failures without a
 * server reply are {@link SmtpClientException}s whose text is what Postfix logs, e.g.
 * {@code lost connection with host[addr] while sending RCPT TO}.
 */
final class SmtpClientSession implements Closeable {

    /** A failure without a usable reply. */
    static final class SmtpClientException extends Exception {
        /** smtp_connect.c's 4.4.1 for a failed connect, smtp_trouble.c's 4.4.2 for a lost connection. */
        final String dsn;

        SmtpClientException(String message) {
            this("4.4.2", message);
        }

        SmtpClientException(String dsn, String message) {
            super(message, null, false, false);
            this.dsn = dsn;
        }
    }

    /**
     * How long the client waits for each reply, smtp_proto.c's per-state timeouts: the greeting,
     * EHLO/HELO and AUTH {@code smtp_helo_timeout}, the STARTTLS reply {@code smtp_starttls_timeout},
     * then {@code smtp_mail_timeout}, {@code smtp_rcpt_timeout}, {@code smtp_data_init_timeout} (DATA),
     * {@code smtp_data_done_timeout} (after the final dot), {@code smtp_rset_timeout} and
     * {@code smtp_quit_timeout}. A command's write is bounded by its reply's timeout, the message
     * content's writes by {@code smtp_data_xfer_timeout} each (smtp_stream_setup() before the content).
     */
    record Timeouts(Duration helo, Duration starttls, Duration mail, Duration rcpt, Duration dataInit,
                    Duration dataXfer, Duration dataDone, Duration rset, Duration quit) {

        static Timeouts of(Parameters params) {
            return new Timeouts(params.time("smtp_helo_timeout"), params.time("smtp_starttls_timeout"),
                    params.time("smtp_mail_timeout"), params.time("smtp_rcpt_timeout"),
                    params.time("smtp_data_init_timeout"), params.time("smtp_data_xfer_timeout"),
                    params.time("smtp_data_done_timeout"), params.time("smtp_rset_timeout"),
                    params.time("smtp_quit_timeout"));
        }

        /** The timeout for the reply to {@code line}; AUTH and its responses count as the EHLO handshake. */
        Duration forCommand(String line) {
            int space = line.indexOf(' ');
            String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
            return switch (verb) {
                case "STARTTLS" -> starttls;
                case "MAIL" -> mail;
                case "RCPT" -> rcpt;
                case "DATA" -> dataInit;
                case "RSET" -> rset;
                case "QUIT" -> quit;
                default -> helo;
            };
        }
    }

    final Endpoint endpoint;
    private final Timeouts timeouts;
    private Socket socket;
    /** Bounds every write: a Java socket write has no timeout of its own. */
    private final SmtpStreamDeadline deadline;
    private InputStream in;
    private OutputStream out;
    /** EHLO keywords (upper case) with their parameters. */
    private final Map<String, String> features = new LinkedHashMap<>();
    private String stage = "receiving the initial server greeting";
    String saslMethod;
    String saslUsername;
    TlsInfo tls;

    private SmtpClientSession(Endpoint endpoint, Timeouts timeouts, Socket socket) throws IOException {
        this.endpoint = endpoint;
        this.timeouts = timeouts;
        this.socket = socket;
        this.deadline = new SmtpStreamDeadline(socket, timeouts.helo(), false);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(deadline.guard(socket.getOutputStream()));
        deadline.watch();
    }

    /** Connects; a refused or timed-out connection is reported as Postfix words it. */
    static SmtpClientSession connect(Endpoint endpoint, Duration connectTimeout, Timeouts timeouts)
            throws SmtpClientException {
        if (endpoint.port() == Endpoint.NOT_LISTENING) {
            throw new SmtpClientException("4.4.1", "connect to " + endpoint + ": Connection refused");
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(endpoint.address(), endpoint.port()),
                    (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            socket.setSoTimeout(millis(timeouts.helo()));
            return new SmtpClientSession(endpoint, timeouts, socket);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new SmtpClientException("4.4.1", "connect to " + endpoint + ": Connection timed out");
        } catch (IOException e) {
            closeQuietly(socket);
            throw new SmtpClientException("4.4.1", "connect to " + endpoint + ": Connection refused");
        }
    }

    /** The connection, for a TLS handshake over it. */
    Socket socket() {
        return socket;
    }

    /**
     * Continues over a TLS socket. Whatever the server sent in plaintext after its STARTTLS reply
     * is dropped, and all EHLO features and SASL state are forgotten, as Postfix's client does.
     */
    void upgrade(Socket tlsSocket, TlsInfo info) throws IOException {
        this.socket = tlsSocket;
        this.in = new BufferedInputStream(tlsSocket.getInputStream());
        this.out = new BufferedOutputStream(deadline.guard(tlsSocket.getOutputStream()));
        this.features.clear();
        this.saslMethod = null;
        this.saslUsername = null;
        this.tls = info;
    }

    /** The EHLO keywords, for the STARTTLS decision. */
    java.util.Set<String> featureKeywords() {
        return features.keySet();
    }

    /** {@code host[addr]} for messages. */
    String namaddr() {
        return endpoint.name() + "[" + endpoint.address().getHostAddress() + "]";
    }

    SmtpReply greeting() throws SmtpClientException {
        return readReply();
    }

    /** EHLO, falling back to HELO when EHLO is refused; records the features. */
    SmtpReply ehlo(String heloName) throws SmtpClientException {
        stage = "performing the EHLO handshake";
        SmtpReply reply = command("EHLO " + heloName);
        features.clear();
        if (reply.positive()) {
            for (String line : reply.lines().subList(1, reply.lines().size())) {
                String[] kv = line.split("[ =]", 2);
                String key = kv[0].toUpperCase(Locale.ROOT);
                String value = kv.length > 1 ? kv[1] : "";
                // "250-AUTH=PLAIN LOGIN" (old Microsoft syntax) counts like "250-AUTH PLAIN LOGIN".
                features.merge(key, value, (a, b) -> a.isEmpty() ? b : a + " " + b);
            }
            return reply;
        }
        stage = "performing the HELO handshake";
        return command("HELO " + heloName);
    }

    boolean hasFeature(String keyword) {
        return features.containsKey(keyword);
    }

    /** The AUTH mechanism list the server offered (from AUTH and AUTH= lines), or empty. */
    String authMechanisms() {
        return features.getOrDefault("AUTH", "");
    }

    /** The server's SIZE limit, or 0 for none. */
    long sizeLimit() {
        try {
            return Long.parseLong(features.getOrDefault("SIZE", "0").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Sends a command and reads the reply; {@code stageName} names it in failures ("sending RCPT TO"). */
    SmtpReply command(String line, String stageName) throws SmtpClientException {
        stage = stageName;
        return command(line);
    }

    private SmtpReply command(String line) throws SmtpClientException {
        try {
            Duration timeout = timeouts.forCommand(line);
            socket.setSoTimeout(millis(timeout));
            deadline.setTimeout(timeout);
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.write('\r');
            out.write('\n');
            out.flush();
        } catch (SocketTimeoutException e) {
            throw timedOut();
        } catch (IOException e) {
            throw lost();
        }
        return readReply();
    }

    /**
     * Streams the message content, dot-stuffed, each line ended by CRLF, then the final dot, and
     * reads the reply. The content is read a block at a time, never held whole.
     */
    SmtpReply data(MessageContent content) throws SmtpClientException {
        stage = "sending message body";
        // smtp_proto.c: smtp_stream_setup(smtp_data_xfer_timeout) for the content; an upstream that
        // stops reading it defers the message instead of blocking the delivery for ever.
        deadline.setTimeout(timeouts.dataXfer());
        try (InputStream body = content.openStream()) {
            // Buffers as large as the content up to 64 KB: a small message does not allocate (and
            // zero) 128 KB per delivery.
            int chunk = (int) Math.max(512, Math.min(65536, content.size()));
            byte[] in = new byte[chunk];
            byte[] buf = new byte[chunk + 8];
            int n = 0;
            boolean lineStart = true;      // no byte of the line seen yet (a held CR counts as seen)
            boolean lineHasBytes = false;  // a byte of the line was sent (a held CR does not count)
            boolean pendingCr = false;     // a CR that ends the line if an LF follows
            int k;
            while ((k = body.read(in)) >= 0) {
                for (int i = 0; i < k; i++) {
                    byte b = in[i];
                    if (n > chunk) {
                        out.write(buf, 0, n);
                        n = 0;
                    }
                    if (pendingCr) {
                        pendingCr = false;
                        if (b == '\n') {
                            buf[n++] = '\r';
                            buf[n++] = '\n';
                            lineStart = true;
                            lineHasBytes = false;
                            continue;
                        }
                        buf[n++] = '\r';      // a CR inside a line is content
                        lineHasBytes = true;
                    }
                    if (b == '\r') {
                        pendingCr = true;
                        lineStart = false;
                    } else if (b == '\n') {
                        buf[n++] = '\r';
                        buf[n++] = '\n';
                        lineStart = true;
                        lineHasBytes = false;
                    } else {
                        if (lineStart && b == '.') {
                            buf[n++] = '.';
                        }
                        buf[n++] = b;
                        lineStart = false;
                        lineHasBytes = true;
                    }
                }
            }
            if (lineHasBytes) {
                buf[n++] = '\r';       // a last line without LF is ended (a CR held there is dropped)
                buf[n++] = '\n';
            }
            out.write(buf, 0, n);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (SocketTimeoutException e) {
            throw timedOut();
        } catch (IOException e) {
            throw lost();
        }
        stage = "sending end of data -- message may be sent more than once";
        try {
            socket.setSoTimeout(millis(timeouts.dataDone()));
        } catch (IOException e) {
            throw lost();
        }
        return readReply();
    }

    private SmtpReply readReply() throws SmtpClientException {
        List<String> lines = new ArrayList<>();
        int code = 0;
        try {
            while (true) {
                String line = readLine();
                if (line == null) {
                    throw lost();
                }
                if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                    throw new SmtpClientException("malformed reply from " + namaddr() + " while " + stage);
                }
                code = Integer.parseInt(line.substring(0, 3));
                lines.add(line.length() > 4 ? line.substring(4) : "");
                if (line.length() == 3 || line.charAt(3) != '-') {
                    return SmtpReply.of(code, lines);
                }
            }
        } catch (SocketTimeoutException e) {
            throw timedOut();
        } catch (IOException e) {
            throw lost();
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (line.size() < 4096) {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** smtp_trouble.c's SMTP_ERR_TIME, dsn 4.4.2. */
    private SmtpClientException timedOut() {
        return new SmtpClientException("conversation with " + namaddr() + " timed out while " + stage);
    }

    private SmtpClientException lost() {
        return new SmtpClientException("lost connection with " + namaddr() + " while " + stage);
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    /** Whether the connection still looks usable for another message. */
    boolean isOpen() {
        return !socket.isClosed();
    }

    /** Sends QUIT (ignoring the answer) and closes. */
    void quit() {
        try {
            command("QUIT", "sending QUIT");
        } catch (SmtpClientException ignored) {
            // the server may close first; the session is over either way
        }
        close();
    }

    @Override
    public void close() {
        deadline.close();
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
