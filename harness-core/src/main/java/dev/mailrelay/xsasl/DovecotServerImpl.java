package dev.mailrelay.xsasl;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * {@code smtpd_sasl_type = dovecot}: SASL answered by a Dovecot auth service over its client protocol,
 * as Postfix 3.7's xsasl_dovecot_server.c speaks it. {@code smtpd_sasl_path} names the
 * {@code auth-client} socket: a unix socket path (relative to the instance directory, as Postfix takes
 * it relative to its queue directory, or absolute; a {@code unix:} prefix is allowed) or
 * {@code inet:host:port}.
 *
 * <pre>{@code
 * // main.cf: smtpd_sasl_type = dovecot
 * //          smtpd_sasl_path = private/auth          (or inet:127.0.0.1:12345)
 * SaslServerImpl impl = DovecotServerImpl.create("private/auth", instanceDirectory, null);
 * SaslServer sasl = impl.newServer(new SaslServerRequest("smtp", "mx.example.com", "",
 *         SecurityOptions.parse("noanonymous"), false, "127.0.0.1", "127.0.0.1"));
 * sasl.mechanisms();                                      // from Dovecot's MECH lines: [PLAIN, LOGIN]
 * sasl.first("PLAIN", "AGFsaWNlAHNlY3JldA==");           // AUTH 1 PLAIN service=smtp nologin lip= rip= resp=
 * impl.close();
 * }</pre>
 *
 * <p>What Postfix does and this does too: the handshake happens when a session first needs the
 * mechanism list; the list is Dovecot's MECH lines without {@code private} ones, filtered by the
 * security options (a mechanism Dovecot flags {@code plaintext} fails {@code noplaintext}, and so on;
 * {@code mutual_auth}/{@code forward_secrecy} require the flag) and then by
 * {@code smtpd_sasl_mechanism_filter}. AUTH for a mechanism not in the security-filtered list fails
 * with "Invalid authentication mechanism" without asking Dovecot; responses that are not base64
 * characters fail with "Invalid base64 data in initial/continued response". A request is
 * {@code AUTH <id> <mech> service=<smtpd_sasl_service> nologin lip=<server> rip=<client>}, plus
 * {@code secured} once TLS is active, with {@code resp=} last. {@code OK} with {@code user=} succeeds,
 * {@code CONT} carries the challenge, {@code FAIL} fails with its {@code reason=} (else smtpd shows
 * "(reason unavailable)"); a lost connection or a timeout is TEMP, "Connection lost to authentication
 * server" (454 4.7.0), and the next request connects anew; a connection that cannot be made then is TEMP
 * without a text ("(reason unavailable)"), a request that cannot be written twice "Can't connect to
 * authentication server". A connection that cannot be made while
 * building the EHLO mechanism list is an error (Postfix's smtpd exits with "no SASL authentication
 * mechanisms"); at AUTH time it is TEMP, as Postfix does.
 *
 * <p>Where the harness differs: Postfix ≤ 3.7.11 keeps a stream that hit EOF until a write fails; the
 * harness disconnects at once, as later Postfix releases do. One connection serves every session of
 * the smtpd service concurrently, with request ids unique on it, instead of one per smtpd process.
 * Field values from Dovecot are taken as Postfix takes them: not unescaped, non-printable characters
 * shown as {@code ?}; values sent are tab-escaped as Dovecot's {@code str_tabescape()} (which changes
 * none of the values Postfix can send).
 */
public final class DovecotServerImpl implements SaslServerImpl {
    private static final Logger LOG = Maillog.logger(DovecotServerImpl.class);

    static final int NOPLAINTEXT = 1;
    static final int NOACTIVE = 1 << 1;
    static final int NODICTIONARY = 1 << 2;
    static final int NOANONYMOUS = 1 << 3;
    static final int FWD_SECRECY = 1 << 4;
    static final int MUTUAL_AUTH = 1 << 5;
    static final int PRIVATE = 1 << 6;
    private static final int POS_MASK = MUTUAL_AUTH | FWD_SECRECY;
    private static final int NEG_MASK = NOPLAINTEXT | NOACTIVE | NODICTIONARY | NOANONYMOUS;

    private final String path;
    private final SocketAddress address;
    private final MechanismFilter mechanismFilter;
    private final Object connectLock = new Object();
    private volatile DovecotAuthConnection connection;
    private volatile List<DovecotAuthConnection.Mech> lastMechanisms;

    private DovecotServerImpl(String path, SocketAddress address, MechanismFilter mechanismFilter) {
        this.path = path;
        this.address = address;
        this.mechanismFilter = mechanismFilter;
    }

    /**
     * An implementation for {@code smtpd_sasl_path}; nothing is connected yet.
     *
     * @param smtpdSaslPath   {@code inet:host:port}, {@code unix:path} or a socket path
     * @param baseDirectory   what a relative socket path is relative to
     * @param mechanismFilter {@code smtpd_sasl_mechanism_filter}, or {@code null} for Postfix's default
     * @throws ConfigException for a malformed {@code inet:} address
     */
    public static DovecotServerImpl create(String smtpdSaslPath, Path baseDirectory, String mechanismFilter) {
        String spec = smtpdSaslPath.strip();
        SocketAddress address;
        if (spec.startsWith("inet:")) {
            String hostPort = spec.substring(5);
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new ConfigException(null, 0, "smtpd_sasl_path", "expected inet:host:port, got \"" + spec + "\"");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(null, 0, "smtpd_sasl_path", "bad port in \"" + spec + "\"");
            }
            address = InetSocketAddress.createUnresolved(host, port);
        } else {
            String file = spec.startsWith("unix:") ? spec.substring(5) : spec;
            if (file.isEmpty()) {
                throw new ConfigException(null, 0, "smtpd_sasl_path", "empty Dovecot auth socket path");
            }
            address = UnixDomainSocketAddress.of(baseDirectory.resolve(file));
        }
        return new DovecotServerImpl(spec, address, MechanismFilter.parse(
                mechanismFilter == null ? CyrusServerImpl.DEFAULT_MECHANISM_FILTER : mechanismFilter,
                "smtpd_sasl_mechanism_filter"));
    }

    /** Postfix's xsasl_dovecot_serv_sec_props: a MECH line's flag word (case-insensitive), 0 if unknown. */
    static int serverProperty(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "plaintext" -> NOPLAINTEXT;
            case "active" -> NOACTIVE;
            case "dictionary" -> NODICTIONARY;
            case "anonymous" -> NOANONYMOUS;
            case "forward-secrecy" -> FWD_SECRECY;
            case "mutual-auth" -> MUTUAL_AUTH;
            case "private" -> PRIVATE;
            default -> 0;
        };
    }

    private static int confProperties(SecurityOptions options) {
        int props = 0;
        for (SecurityFlag flag : options.required()) {
            props |= switch (flag) {
                case NOPLAINTEXT -> NOPLAINTEXT;
                case NOACTIVE -> NOACTIVE;
                case NODICTIONARY -> NODICTIONARY;
                case NOANONYMOUS -> NOANONYMOUS;
                case FORWARD_SECRECY -> FWD_SECRECY;
                case MUTUAL_AUTH -> MUTUAL_AUTH;
                case PASS_CREDENTIALS -> 0;
            };
        }
        return props;
    }

    @Override
    public String type() {
        return "dovecot";
    }

    @Override
    public SaslServer newServer(SaslServerRequest request) {
        return new Session(request, confProperties(request.securityOptions()));
    }

    /** The live connection, connecting (and handshaking) first when there is none. */
    private DovecotAuthConnection connection() throws IOException {
        synchronized (connectLock) {
            DovecotAuthConnection c = connection;
            if (c == null || c.lost()) {
                SocketAddress target = address instanceof InetSocketAddress inet && inet.isUnresolved()
                        ? new InetSocketAddress(inet.getHostString(), inet.getPort()) : address;
                try {
                    c = DovecotAuthConnection.open(path, target);
                } catch (IOException e) {
                    LOG.warn("{}", e.getMessage());
                    connection = null;
                    throw e;
                }
                connection = c;
                lastMechanisms = c.mechanisms();
            }
            return c;
        }
    }

    private void disconnect(DovecotAuthConnection c) {
        synchronized (connectLock) {
            c.close();
            if (connection == c) {
                connection = null;
            }
        }
    }

    /** Closes the connection to Dovecot, if any. */
    @Override
    public void close() {
        synchronized (connectLock) {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
    }

    @Override
    public String toString() {
        return "DovecotServerImpl[" + path + "]";
    }

    /** Dovecot's str_tabescape(). */
    static String tabEscape(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\001' -> sb.append("\0011");
                case '\t' -> sb.append("\001t");
                case '\r' -> sb.append("\001r");
                case '\n' -> sb.append("\001n");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Postfix's printable(s, '?'). */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    /** Postfix's is_valid_base64(). */
    private static boolean isValidBase64(String data) {
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || c == '+' || c == '/' || c == '=')) {
                return false;
            }
        }
        return true;
    }

    /** One SMTP session (Postfix's XSASL_DOVECOT_SERVER). */
    private final class Session implements SaslServer {
        private final SaslServerRequest request;
        private final int secProps;
        private List<String> permitted;   // security-filtered: what AUTH accepts
        private List<String> offered;     // and mechanism-filtered: what EHLO shows
        private DovecotAuthConnection requestConnection;
        private int lastRequestId;
        private String username;

        Session(SaslServerRequest request, int secProps) {
            this.request = request;
            this.secProps = secProps;
        }

        @Override
        public List<String> mechanisms() {
            if (offered == null) {
                try {
                    connection();
                } catch (IOException e) {
                    throw new UncheckedIOException("no SASL authentication mechanisms: " + e.getMessage(), e);
                }
                int pos = secProps & POS_MASK;
                int neg = secProps & NEG_MASK;
                List<String> p = new ArrayList<>();
                for (DovecotAuthConnection.Mech m : lastMechanisms) {
                    if ((m.props() & pos) == pos && (m.props() & neg) == 0) {
                        p.add(m.name());
                    }
                }
                permitted = List.copyOf(p);
                offered = p.stream().filter(mechanismFilter::allows).toList();
                if (!permitted.isEmpty() && offered.isEmpty()) {
                    throw new IllegalStateException("smtpd_sasl_mechanism_filter discards all mechanisms in '"
                            + String.join(" ", permitted) + "'");
                }
            }
            return offered;
        }

        @Override
        public SaslResult first(String mechanism, String initialResponse) {
            username = null;
            mechanisms();
            if (permitted.stream().noneMatch(m -> m.equalsIgnoreCase(mechanism))) {
                return SaslResult.fail("Invalid authentication mechanism");
            }
            if (initialResponse != null && !isValidBase64(initialResponse)) {
                return SaslResult.fail("Invalid base64 data in initial response");
            }
            DovecotAuthConnection stale = connection;
            if (stale != null && stale.lost()) {
                // Postfix still holds the stream and learns of the loss when it reads the reply.
                disconnect(stale);
                return SaslResult.temp("Connection lost to authentication server");
            }
            for (int attempt = 0; attempt < 2; attempt++) {
                DovecotAuthConnection c;
                try {
                    c = connection();
                } catch (IOException e) {
                    return SaslResult.temp("");   // Postfix sets no text here: "(reason unavailable)"
                }
                lastRequestId = c.newId();
                requestConnection = c;
                StringBuilder line = new StringBuilder("AUTH\t").append(lastRequestId).append('\t')
                        .append(tabEscape(mechanism))
                        .append("\tservice=").append(tabEscape(request.service()))
                        .append("\tnologin\tlip=").append(tabEscape(request.serverAddress()))
                        .append("\trip=").append(tabEscape(request.clientAddress()));
                if (request.tlsActive()) {
                    line.append("\tsecured");
                }
                if (initialResponse != null) {
                    line.append("\tresp=").append(initialResponse);   // already base64, sent as is
                }
                line.append('\n');
                String[] reply;
                try {
                    reply = c.request(lastRequestId, line.toString());
                } catch (IOException e) {
                    disconnect(c);   // reconnect and try once more, as Postfix does after a failed write
                    if (attempt == 1) {
                        return SaslResult.temp("Can't connect to authentication server");
                    }
                    continue;
                }
                return handleReply(c, reply);
            }
            return SaslResult.temp("Can't connect to authentication server");
        }

        @Override
        public SaslResult next(String response) {
            if (!isValidBase64(response)) {
                return SaslResult.fail("Invalid base64 data in continued response");
            }
            DovecotAuthConnection c = requestConnection;
            if (c == null || c.lost()) {
                return SaslResult.temp("Connection lost to authentication server");
            }
            String[] reply;
            try {
                reply = c.request(lastRequestId, "CONT\t" + lastRequestId + "\t" + response + "\n");
            } catch (IOException e) {
                disconnect(c);
                return SaslResult.temp("Connection lost to authentication server");
            }
            return handleReply(c, reply);
        }

        private SaslResult handleReply(DovecotAuthConnection c, String[] f) {
            if (f == null) {
                disconnect(c);
                return SaslResult.temp("Connection lost to authentication server");
            }
            switch (f[0]) {
                case "OK" -> {
                    parseArgs(f, true);
                    if (username == null) {
                        LOG.warn("missing Dovecot server OK username field");
                        return SaslResult.fail("Authentication backend error");
                    }
                    return SaslResult.done();
                }
                case "CONT" -> {
                    if (f.length < 3) {
                        LOG.warn("missing Dovecot server CONT reply field");
                        return SaslResult.fail("Authentication backend error");
                    }
                    return SaslResult.more(f[2]);
                }
                default -> {
                    String reason = parseArgs(f, false);
                    return SaslResult.fail(reason == null ? "" : reason);
                }
            }
        }

        /** Postfix's xsasl_dovecot_parse_reply_args(): sets the username; the failure reason. */
        private String parseArgs(String[] f, boolean success) {
            username = null;
            String reason = null;
            for (int i = 2; i < f.length; i++) {
                if (f[i].startsWith("user=")) {
                    username = printable(f[i].substring(5));
                } else if (f[i].startsWith("reason=") && !success) {
                    reason = printable(f[i].substring(7));
                }
            }
            return reason;
        }

        @Override
        public String username() {
            return username;
        }

        @Override
        public String toString() {
            return "DovecotServer[" + path + ", " + request.clientAddress() + ", username=" + username + "]";
        }
    }
}
