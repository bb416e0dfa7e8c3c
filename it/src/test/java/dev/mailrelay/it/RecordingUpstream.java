package dev.mailrelay.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A scripted ISP for relay clients: its EHLO offers whatever a test's {@link Offer} says (any AUTH
 * mechanisms, known or not, on an {@code AUTH} and/or an old-style {@code AUTH=} line, before or only
 * after STARTTLS), it plays each mechanism's first steps without checking the credentials (fixed
 * challenges, so PLAIN, LOGIN and CRAM-MD5 responses are deterministic), answers the AUTH with the
 * offer's verdict and accepts any mail. What each client did is recorded under its EHLO name, so one
 * listener serves several clients and cases at once: the mechanism, the login it carried and the
 * decoded responses.
 *
 * <pre>{@code
 * try (RecordingUpstream isp = RecordingUpstream.start(tlsDir)) {
 *     isp.offer("c1", new RecordingUpstream.Offer(List.of("PLAIN"), "AUTH", "none", "235 2.7.0 Authentication successful"));
 *     // a client with smtp_helo_name = c1-postfix.relay.example delivers to 127.0.0.1:isp.port()
 *     RecordingUpstream.Recorded r = isp.recorded("c1-postfix");
 * }
 * }</pre>
 */
final class RecordingUpstream implements AutoCloseable {

    static final String HOSTNAME = "mail.isp.example";
    static final String CRAM_CHALLENGE = "<1896.697170952@mail.isp.example>";
    static final String DIGEST_CHALLENGE = "realm=\"isp.example\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\","
            + "charset=utf-8,algorithm=md5-sess";

    /**
     * What the ISP offers: {@code mechanisms} (may be empty: no AUTH line), {@code authLines}
     * ({@code AUTH}, {@code AUTH=}, {@code AUTH AUTH=} or {@code AUTH= AUTH}: which lines, in order),
     * {@code tls} ({@code none}: no STARTTLS; {@code may}: STARTTLS, AUTH before and after;
     * {@code authonly}: AUTH only after STARTTLS) and the reply to the last AUTH step.
     */
    record Offer(List<String> mechanisms, String authLines, String tls, String verdict) {
        String describe() {
            return "EHLO offers " + (mechanisms.isEmpty() ? authLines.equals("AUTH") ? "a bare AUTH line" : "no AUTH"
                    : "AUTH " + String.join(" ", mechanisms) + " as " + authLines + " line(s)")
                    + ", STARTTLS " + tls + ", AUTH answered " + verdict;
        }
    }

    /**
     * What one client did: {@code auth} is {@code none} or mechanism, login and decoded responses;
     * {@code mailFrom} the MAIL FROM arguments of a message sent, or null.
     */
    record Recorded(String auth, boolean tlsAtAuth, String mailFrom) {
    }

    private final ServerSocket listener;
    private final SSLContext tls;
    private final ExecutorService sessions = Executors.newCachedThreadPool();
    private final Map<String, Offer> offers = new ConcurrentHashMap<>();
    private final Map<String, Recorded> recorded = new ConcurrentHashMap<>();

    private RecordingUpstream(ServerSocket listener, SSLContext tls) {
        this.listener = listener;
        this.tls = tls;
        sessions.submit(this::accept);
    }

    /** Listens on a free loopback port, with a self-signed certificate made in {@code tlsDir}. */
    static RecordingUpstream start(Path tlsDir) {
        try {
            Path[] pem = PrivatePostfix.selfSignedCertificate(tlsDir, HOSTNAME);
            Certificate cert = CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(pem[0]));
            String key = Files.readString(pem[1]).replaceAll("-----[A-Z ]+-----|\\s", "");
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("isp", KeyFactory.getInstance("RSA").generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(key))), new char[0], new Certificate[] {cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return new RecordingUpstream(new ServerSocket(0, 100, InetAddress.getLoopbackAddress()), context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Sets what clients whose EHLO name starts with {@code caseId + "-"} are offered. */
    void offer(String caseId, Offer offer) {
        offers.put(caseId, offer);
    }

    /** What the client with EHLO name {@code client + ".relay.example"} did, or null if it neither authenticated nor sent mail. */
    Recorded recorded(String client) {
        return recorded.get(client);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                sessions.submit(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** One SMTP session; any I/O error just ends it. */
    private void serve(Socket socket) {
        Session s = new Session();
        try (Socket plain = socket) {
            plain.setSoTimeout(30_000);
            s.use(plain);
            s.reply("220 " + HOSTNAME + " ESMTP");
            String line;
            while ((line = s.in.readLine()) != null) {
                String verb = line.split(" ", 2)[0].toUpperCase(java.util.Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> s.ehlo(line.substring(Math.min(5, line.length())));
                    case "STARTTLS" -> {
                        s.reply("220 2.0.0 Ready to start TLS");
                        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), false);
                        ssl.setUseClientMode(false);
                        ssl.startHandshake();
                        s.use(ssl);
                        s.tls = true;
                        s.helo = null;
                    }
                    case "AUTH" -> s.auth(line);
                    case "MAIL" -> {
                        s.mailFrom = line.substring(Math.min(10, line.length()));
                        s.reply("250 2.1.0 Ok");
                    }
                    case "RCPT", "RSET", "NOOP" -> s.reply(verb.equals("RCPT") ? "250 2.1.5 Ok" : "250 2.0.0 Ok");
                    case "DATA" -> {
                        s.reply("354 End data with <CR><LF>.<CR><LF>");
                        String data;
                        while ((data = s.in.readLine()) != null && !data.equals(".")) {
                            // the content is not under test
                        }
                        s.record();
                        s.reply("250 2.0.0 Ok: queued as 4ABCDEF");
                    }
                    case "QUIT" -> {
                        s.reply("221 2.0.0 Bye");
                        return;
                    }
                    default -> s.reply("502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, or the TLS handshake failed: the client reports it
        }
    }

    /** The state of one session. */
    private final class Session {
        BufferedReader in;
        OutputStream out;
        String helo;
        Offer offer;
        boolean tls;
        String authRecord = "none";
        boolean tlsAtAuth;
        String mailFrom;

        void use(Socket socket) throws IOException {
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        void reply(String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Records the session so far (at AUTH and at the end of DATA) under its client's name. */
        void record() {
            if (helo != null) {
                recorded.put(helo.replaceFirst("\\.relay\\.example$", ""), new Recorded(authRecord, tlsAtAuth, mailFrom));
            }
        }

        void ehlo(String name) throws IOException {
            helo = name;
            offer = offers.get(name.split("-", 2)[0]);
            if (offer == null) {
                reply("550 5.7.1 no case " + name);
                return;
            }
            List<String> lines = new ArrayList<>(List.of(HOSTNAME, "PIPELINING", "SIZE 10240000"));
            if (!tls && !offer.tls().equals("none")) {
                lines.add("STARTTLS");
            }
            boolean authHere = tls || !offer.tls().equals("authonly");
            // no mechanisms: a bare "AUTH" line when offered as AUTH alone, else no AUTH line
            if (authHere && (!offer.mechanisms().isEmpty() || offer.authLines().equals("AUTH"))) {
                for (String kind : offer.authLines().split(" ")) {
                    lines.add((kind + (kind.endsWith("=") ? "" : " ") + String.join(" ", offer.mechanisms())).strip());
                }
            }
            lines.add("ENHANCEDSTATUSCODES");
            lines.add("8BITMIME");
            for (int i = 0; i < lines.size(); i++) {
                reply("250" + (i == lines.size() - 1 ? " " : "-") + lines.get(i));
            }
        }

        /** Plays the mechanism's steps, records what the client sent, then answers with the verdict. */
        void auth(String line) throws IOException {
            String[] words = line.split(" ");
            String mech = words.length > 1 ? words[1].toUpperCase(java.util.Locale.ROOT) : "";
            String initial = words.length > 2 ? words[2] : null;
            List<String> challenges = switch (mech) {
                case "LOGIN" -> List.of("Username:", "Password:");
                case "CRAM-MD5" -> List.of(CRAM_CHALLENGE);
                case "DIGEST-MD5" -> List.of(DIGEST_CHALLENGE);
                default -> List.of("");
            };
            List<String> responses = new ArrayList<>();
            for (int i = 0; i < challenges.size(); i++) {
                String response;
                if (i == 0 && initial != null) {
                    response = initial;
                } else {
                    reply("334 " + Base64.getEncoder().encodeToString(challenges.get(i).getBytes(StandardCharsets.UTF_8)));
                    response = in.readLine();
                    if (response == null) {
                        return;
                    }
                }
                if (response.equals("*")) {
                    authRecord = mech + " (cancelled)";
                    reply("501 5.7.0 Authentication aborted");
                    return;
                }
                responses.add(response.equals("=") ? "" : new String(Base64.getMimeDecoder().decode(response),
                        StandardCharsets.UTF_8));
            }
            authRecord = mech + " login=" + login(mech, responses) + switch (mech) {
                // deterministic with the fixed challenges; DIGEST-MD5 and SCRAM carry client nonces
                case "PLAIN", "LOGIN", "CRAM-MD5", "ANONYMOUS" ->
                        " responses=" + responses.stream().map(r -> r.replace("\0", "\\0")).toList();
                default -> "";
            };
            tlsAtAuth = tls;
            if (offer.verdict().startsWith("334 ")) {
                // one challenge more than the mechanism has (valid base64 or not): what does the client answer?
                reply(offer.verdict());
                String next = in.readLine();
                if (next == null) {
                    return;
                }
                authRecord += next.equals("*") ? " then *" : " then a response";
                record();
                reply(next.equals("*") ? "501 5.7.0 Authentication aborted"
                        : "535 5.7.8 Error: authentication failed: authentication failure");
                return;
            }
            record();
            reply(offer.verdict());
        }

        private static final Pattern DIGEST_USER = Pattern.compile("username=\"([^\"]*)\"");
        private static final Pattern SCRAM_USER = Pattern.compile("^[^,]*,[^,]*,n=([^,]*)");

        private String login(String mech, List<String> responses) {
            String first = responses.get(0);
            if (mech.equals("PLAIN")) {
                String[] parts = first.split("\0", -1);
                return parts.length == 3 ? parts[1] : "?";
            }
            if (mech.equals("LOGIN")) {
                return first;
            }
            if (mech.equals("CRAM-MD5")) {
                return first.contains(" ") ? first.substring(0, first.lastIndexOf(' ')) : "?";
            }
            Matcher m = (mech.equals("DIGEST-MD5") ? DIGEST_USER : SCRAM_USER).matcher(first);
            return mech.equals("DIGEST-MD5") || mech.startsWith("SCRAM-") ? (m.find() ? m.group(1) : "?") : "-";
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        sessions.shutdownNow();
    }
}
