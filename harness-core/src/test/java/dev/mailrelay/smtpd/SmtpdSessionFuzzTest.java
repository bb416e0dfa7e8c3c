package dev.mailrelay.smtpd;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.ContentStore;
import dev.mailrelay.qmgr.QueueManager;
import dev.mailrelay.qmgr.Resolver;
import dev.mailrelay.qmgr.Transports;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.cleanup.Cleanup;
import dev.mailrelay.config.MainCf;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.xsasl.CyrusServerImpl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzzing of smtpd's command parser and state machine: arbitrary bytes are a
 * client's whole input to one {@link SmtpdSession}, run over in-memory streams (a {@link Socket}
 * stand-in; no network, no threads). The session must end normally (no internal error, which it
 * would answer with {@code 421 4.3.0}), every output line must be a reply with a 3-digit code, and
 * no password may reach the transcript unless the client typed it in clear outside AUTH.
 */
class SmtpdSessionFuzzTest {

    static final String PASSWORD = "Pa55-fuzz-word";
    static final String TOKEN = "fuzz-bearer-token";
    private static final Pattern REPLY = Pattern.compile("[2-5]\\d\\d[ -].*");
    /** What the transcript may show of an AUTH command: the verb, the mechanism, never the response. */
    private static final Pattern REDACTED_AUTH = Pattern.compile(
            "(?i)AUTH (\\S+|<invalid mechanism name hidden>)( <SASL response hidden>)?");

    static LookupTable table(Map<String, String> map) {
        return new LookupTable() {
            public String spec() { return "fuzz:map"; }
            public Optional<String> lookup(String key) { return Optional.ofNullable(map.get(key)); }
            public boolean partialAddressKeys() { return false; }
        };
    }

    private static final Capture CAPTURE = new Capture("fuzz");
    private static final SmtpdSettings SETTINGS;

    static {
        Parameters params = Parameters.defaults("fuzz").with(MainCf.parse("""
                myhostname = mx.example.com
                mydestination = $myhostname, localhost
                smtpd_error_sleep_time = 0
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_security_options =
                message_size_limit = 100000
                smtpd_recipient_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination
                """, "main.cf"));
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        ContentStore contents;
        try {
            contents = new ContentStore(dir, "fuzz", 1 << 20);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // Messages are captured and "delivered" by discarding them: the fuzzer judges smtpd only.
        QueueManager qmgr = new QueueManager(params, new Resolver(params, dir), Map.of("smtp", Transports.DISCARD,
                "relay", Transports.DISCARD, "local", Transports.DISCARD), CAPTURE, m -> { });
        Cleanup cleanup = new Cleanup(params, dir, contents, CAPTURE, qmgr);
        CyrusServerImpl sasl = new CyrusServerImpl(table(Map.of("bob", PASSWORD, "bob@example.com", PASSWORD)),
                table(Map.of(TOKEN, "bob")), null, null);
        SETTINGS = new SmtpdSettings("smtp", params, dir, sasl, cleanup, CAPTURE,
                new dev.mailrelay.faults.Faults("fuzz"));
    }

    /** A connected socket whose input is the fuzzer's bytes and whose output is kept. */
    static final class MemorySocket extends Socket {
        final InputStream in;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final InetAddress client;

        MemorySocket(byte[] input, InetAddress client) {
            this.in = new ByteArrayInputStream(input);
            this.client = client;
        }

        @Override public InputStream getInputStream() { return in; }
        @Override public OutputStream getOutputStream() { return out; }
        @Override public InetAddress getInetAddress() { return client; }
        @Override public InetAddress getLocalAddress() { return InetAddress.getLoopbackAddress(); }
        @Override public int getPort() { return 40000; }
        @Override public void setSoTimeout(int timeout) { }
        @Override public synchronized void close() { }
    }

    @FuzzTest(maxDuration = "10s")
    void session(byte[] input) throws Exception {
        CAPTURE.reset();
        // The first byte chooses a loopback client (in mynetworks) or an outside one.
        InetAddress client = InetAddress.getByAddress(input.length > 0 && (input[0] & 1) == 1
                ? new byte[] {127, 0, 0, 1} : new byte[] {(byte) 192, 0, 2, 7});
        MemorySocket socket = new MemorySocket(input, client);
        new SmtpdSession(SETTINGS, socket, 1).run();

        String output = socket.out.toString(StandardCharsets.UTF_8);
        if (!output.endsWith("\r\n")) {
            throw new AssertionError("no complete reply at the end: " + output);
        }
        for (String line : output.split("\r\n")) {
            if (!REPLY.matcher(line).matches()) {
                throw new AssertionError("not an SMTP reply: " + line);
            }
            if (line.startsWith("421 4.3.0")) {
                throw new AssertionError("smtpd internal error (see the log for the stack trace): " + line);
            }
        }
        String typed = new String(input, StandardCharsets.ISO_8859_1);
        for (CapturedSession s : CAPTURE.sessions()) {
            for (CapturedSession.Exchange e : s.transcript()) {
                String text = e.command() + " " + e.reply();
                for (String secret : List.of(PASSWORD, TOKEN)) {
                    if (text.contains(secret) && !typed.contains(secret)) {
                        throw new AssertionError("secret decoded into the transcript: " + text);
                    }
                }
                String command = e.command() == null ? "" : e.command();
                // smtpd splits commands at any white space: "AUTH<TAB>PLAIN<TAB>..." is AUTH too.
                if (command.regionMatches(true, 0, "AUTH", 0, 4) && command.length() > 4
                        && " \t\n\u000b\f\r".indexOf(command.charAt(4)) >= 0
                        && !REDACTED_AUTH.matcher(command).matches()) {
                    throw new AssertionError("AUTH initial response in the transcript: " + e.command());
                }
            }
        }
    }
}
