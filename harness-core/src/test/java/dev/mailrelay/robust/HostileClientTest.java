package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import dev.mailrelay.tls.HarnessCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile clients over raw sockets against smtpd: malformed bytes, floods, limits, idle and slow
 * connections. After each, and during the long ones, a well-behaved client must still get its mail
 * accepted.
 */
@Timeout(180)
class HostileClientTest {

    static final String HOST = "mx.hostile.example";
    static Harness harness;
    static Instance mx;
    static int port;
    /** A service with the anvil limits applied to 127.0.0.2 (outside mynetworks). */
    static int limited;
    /** A service with a short smtpd_timeout. */
    static int impatient;
    /** A service without a practical smtpd_junk_command_limit, to flood with HELO. */
    static int floodable;
    static int wellBehavedSent;

    @BeforeAll
    static void start() {
        harness = Harness.start(List.of(InstanceConfig.named("mx").mainCf("""
                myhostname = mx.hostile.example
                mydestination = $myhostname, hostile.example
                smtpd_sasl_auth_enable = yes
                smtpd_tls_security_level = may
                mailrelay_sasl_users = inline:{ alice@hostile.example=Hostile-Pw-1 }
                smtpd_error_sleep_time = 0
                message_size_limit = 20000
                smtpd_recipient_limit = 10
                default_transport = discard
                local_transport = discard
                """).masterCf("""
                smtp inet n - n - - smtpd
                2525 inet n - n - - smtpd
                  -o smtpd_client_connection_count_limit=3
                  -o smtpd_client_auth_rate_limit=2
                2526 inet n - n - - smtpd
                  -o smtpd_timeout=1s
                2527 inet n - n - - smtpd
                  -o smtpd_junk_command_limit=1000000000
                """)), true);
        mx = harness.instance("mx");
        port = mx.port("smtp");
        limited = mx.port("2525");
        impatient = mx.port("2526");
        floodable = mx.port("2527");
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @AfterEach
    void serverStillServes() throws IOException {
        wellBehaved(port);
    }

    /** A complete, polite transaction; fails the test unless the message is queued. */
    static void wellBehaved(int p) throws IOException {
        try (RawClient c = new RawClient(p)) {
            assertThat(c.greeting.get(0)).startsWith("220 " + HOST);
            assertThat(c.sendLast("EHLO good.example")).startsWith("250 ");
            assertThat(c.sendLast("MAIL FROM:<good@example.org>")).startsWith("250 ");
            assertThat(c.sendLast("RCPT TO:<user@hostile.example>")).startsWith("250 ");
            assertThat(c.sendLast("DATA")).startsWith("354 ");
            assertThat(c.sendLast("Subject: polite\r\n\r\nhello\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(c.sendLast("QUIT")).startsWith("221 ");
        }
        synchronized (HostileClientTest.class) {
            wellBehavedSent++;
        }
    }

    @Test
    void nulBytesInCommandsAndData() throws IOException {
        try (RawClient c = new RawClient(port)) {
            assertThat(c.sendLast("EHLO nul\0host")).startsWith("250 ");
            assertThat(c.sendLast("MAIL FROM:<a\0b@example.org>")).matches("^[245]\\d\\d .*");
            assertThat(c.sendLast("RSET")).startsWith("250 ");
            assertThat(c.sendLast("\0\0\0")).startsWith("221 2.7.0 Error: I can break rules, too.");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO x");
            c.send("MAIL FROM:<a@example.org>");
            c.send("RCPT TO:<user@hostile.example>");
            c.send("DATA");
            assertThat(c.sendLast("Subject: nul\0\r\n\r\nbody\0with\0nuls\r\n.")).startsWith("250 2.0.0 Ok: queued as");
        }
    }

    @Test
    void bareLineFeeds() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.write("EHLO lf\nMAIL FROM:<a@example.org>\nRCPT TO:<user@hostile.example>\nDATA\n");
            assertThat(c.last()).startsWith("250 ");
            assertThat(c.last()).startsWith("250 ");
            assertThat(c.last()).startsWith("250 ");
            assertThat(c.last()).startsWith("354 ");
            c.write("Subject: lf\n\nline\n.\n");
            assertThat(c.last()).startsWith("250 2.0.0 Ok: queued as");
        }
    }

    @Test
    void overlongCommandLine() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO long");
            String huge = "MAIL FROM:<" + "a".repeat(1_000_000) + "@example.org>";
            assertThat(c.sendLast(huge)).matches("^5\\d\\d .*");
            assertThat(c.sendLast("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void overlongAndInvalidSaslResponses() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO sasl");
            assertThat(c.sendLast("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
            assertThat(c.sendLast("A".repeat(200_000))).isEqualTo("500 5.5.6 SASL response limit exceeded");
            assertThat(c.sendLast("AUTH PLAIN !!!not*base64!!!")).startsWith("535 5.7.8 ");
            assertThat(c.sendLast("AUTH PLAIN")).startsWith("334");
            assertThat(c.sendLast("%%%%")).startsWith("535 5.7.8 ");
            assertThat(c.sendLast("AUTH CRAM-MD5")).startsWith("334 ");
            assertThat(c.sendLast("=")).startsWith("535 5.7.8 ");
            assertThat(c.sendLast("AUTH DIGEST-MD5")).startsWith("334 ");
            assertThat(c.sendLast(Base64.getEncoder().encodeToString("username=\"x,,,=\"\"\"".getBytes(
                    StandardCharsets.US_ASCII)))).startsWith("535 5.7.8 ");
            assertThat(c.sendLast("AUTH SCRAM-SHA-256 " + Base64.getEncoder().encodeToString(new byte[] {0, 1, 2})))
                    .startsWith("535 5.7.8 ");
            assertThat(c.sendLast("AUTH XOAUTH2 ====")).matches("^5\\d\\d .*");
            assertThat(c.sendLast("AUTH " + "X".repeat(5000))).matches("^5\\d\\d .*");
            assertThat(c.sendLast("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void pipeliningFlood() throws Exception {
        int n = Sizes.pick(20_000, 200_000);
        // HELO counts toward smtpd_junk_command_limit (cut off at #122 by default, SmtpdJunkCommandTest).
        try (RawClient c = new RawClient(floodable)) {
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                // The client writes without reading; the server must not deadlock or buffer without end.
                Future<?> w = writer.submit(() -> {
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < n; i++) {
                        batch.append("HELO flood").append(i).append("\r\n");
                        if (batch.length() > 60_000 || i == n - 1) {
                            c.write(batch.toString());
                            batch.setLength(0);
                        }
                    }
                    c.write("QUIT\r\n");
                    return null;
                });
                int ok = 0;
                String line;
                while ((line = c.readLine()) != null && !line.startsWith("221")) {
                    assertThat(line).isEqualTo("250 " + HOST);
                    ok++;
                }
                w.get(60, TimeUnit.SECONDS);
                assertThat(ok).isEqualTo(n);
                assertThat(line).isEqualTo("221 2.0.0 Bye");
            } finally {
                writer.shutdownNow();
            }
        }
    }

    @Test
    void commandsAfterQuitAreIgnored() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.write("EHLO q\r\nQUIT\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<user@hostile.example>\r\nDATA\r\n");
            assertThat(c.last()).startsWith("250 ");
            assertThat(c.last()).isEqualTo("221 2.0.0 Bye");
            assertThat(c.readLine()).isNull();
        }
    }

    @Test
    void oversizeMessageIsRejectedAndTheSessionGoesOn() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO big");
            c.send("MAIL FROM:<a@example.org>");
            c.send("RCPT TO:<user@hostile.example>");
            c.send("DATA");
            StringBuilder body = new StringBuilder("Subject: big\r\n\r\n");
            for (int i = 0; i < 2000; i++) {
                body.append("x".repeat(78)).append("\r\n");
            }
            assertThat(c.sendLast(body + ".")).isEqualTo("552 5.3.4 Error: message file too big");
            assertThat(c.sendLast("MAIL FROM:<a@example.org> SIZE=999999"))
                    .isEqualTo("552 5.3.4 Message size exceeds fixed limit");
            // smtpd.c keeps the declared SIZE until mail_reset(): Postfix refuses the next MAIL too.
            assertThat(c.sendLast("MAIL FROM:<a@example.org>")).isEqualTo("552 5.3.4 Message size exceeds fixed limit");
            assertThat(c.sendLast("RSET")).startsWith("250 ");
            assertThat(c.sendLast("MAIL FROM:<a@example.org>")).startsWith("250 ");
        }
    }

    @Test
    void oversizeBdatChunk() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO big");
            c.send("MAIL FROM:<a@example.org>");
            c.send("RCPT TO:<user@hostile.example>");
            c.write("BDAT 100000 LAST\r\n" + "y".repeat(100_000));
            assertThat(c.last()).isEqualTo("552 5.3.4 Chunk exceeds message size limit");
            assertThat(c.sendLast("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void recipientLimit() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO many");
            c.send("MAIL FROM:<a@example.org>");
            for (int i = 0; i < 10; i++) {
                assertThat(c.sendLast("RCPT TO:<u" + i + "@hostile.example>")).isEqualTo("250 2.1.5 Ok");
            }
            for (int i = 10; i < 20; i++) {   // each counts as an error; 20 would end the session
                assertThat(c.sendLast("RCPT TO:<u" + i + "@hostile.example>"))
                        .isEqualTo("452 4.5.3 Error: too many recipients");
            }
            c.send("DATA");
            assertThat(c.sendLast("Subject: many\r\n\r\nx\r\n.")).startsWith("250 2.0.0 Ok: queued as");
        }
    }

    @Test
    void startTlsInjectionIsDiscarded() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO tls");
            c.write("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
            assertThat(c.last()).isEqualTo("220 2.0.0 Ready to start TLS");
            SSLSocket ssl = (SSLSocket) HarnessCa.socketFactory().createSocket(c.socket, "localhost", port, true);
            ssl.startHandshake();
            ssl.setSoTimeout(10_000);
            ssl.getOutputStream().write("RCPT TO:<user@hostile.example>\r\n".getBytes(StandardCharsets.US_ASCII));
            ssl.getOutputStream().flush();
            byte[] buf = new byte[512];
            int n = ssl.getInputStream().read(buf);
            // Had the injected MAIL run inside TLS, RCPT would be accepted.
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("503 5.5.1 Error: need MAIL command");
        }
    }

    @Test
    void silentClientTimesOut() throws IOException {
        try (RawClient c = new RawClient(impatient)) {
            c.write("EHLO half-a-comm");
            long t0 = System.nanoTime();
            assertThat(c.last()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.readLine()).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        }
        try (RawClient c = new RawClient(impatient)) {
            c.send("EHLO drip");
            c.send("MAIL FROM:<a@example.org>");
            c.send("RCPT TO:<user@hostile.example>");
            c.send("DATA");
            c.write("Subject: stalled\r\n\r\npart of a mess");
            assertThat(c.last()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
        }
    }

    @Test
    void connectionCountLimit() throws IOException {
        List<RawClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawClient c = new RawClient(limited, "127.0.0.2", 15_000);
                open.add(c);
                assertThat(c.greeting.get(0)).startsWith("220 ");
            }
            try (RawClient fourth = new RawClient(limited, "127.0.0.2", 15_000)) {
                assertThat(fourth.greeting).containsExactly(
                        "421 4.7.0 " + HOST + " Error: too many connections from 127.0.0.2");
                assertThat(fourth.readLine()).isNull();
            }
            // mynetworks (127.0.0.1) is exempt, as smtpd_client_event_limit_exceptions = $mynetworks.
            List<RawClient> local = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    RawClient c = new RawClient(limited);
                    local.add(c);
                    assertThat(c.greeting.get(0)).startsWith("220 ");
                }
            } finally {
                for (RawClient c : local) {
                    c.close();
                }
            }
            wellBehaved(limited);
            // One leaves: the server counts it gone by the time it closes the connection.
            RawClient first = open.remove(0);
            assertThat(first.sendLast("QUIT")).startsWith("221");
            assertThat(first.readLine()).isNull();
            first.close();
            RawClient again = new RawClient(limited, "127.0.0.2", 15_000);
            open.add(again);
            assertThat(again.greeting.get(0)).startsWith("220 ");
        } finally {
            for (RawClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void authRateLimit() throws IOException {
        try (RawClient c = new RawClient(limited, "127.0.0.2", 15_000)) {
            c.send("EHLO rate");
            assertThat(c.sendLast("AUTH PLAIN " + b64("\0alice@hostile.example\0wrong")))
                    .startsWith("535 5.7.8 Error: authentication failed");
            assertThat(c.sendLast("AUTH PLAIN " + b64("\0alice@hostile.example\0wrong")))
                    .startsWith("535 5.7.8 Error: authentication failed");
            assertThat(c.sendLast("AUTH PLAIN " + b64("\0alice@hostile.example\0Hostile-Pw-1")))
                    .isEqualTo("450 4.7.1 Error: too many AUTH commands from 127.0.0.2");
        }
        // Per client address: 127.0.0.1 is exempt (mynetworks) and unaffected.
        try (RawClient c = new RawClient(limited)) {
            c.send("EHLO rate");
            for (int i = 0; i < 4; i++) {
                assertThat(c.sendLast("AUTH PLAIN " + b64("\0alice@hostile.example\0wrong"))).startsWith("535 ");
            }
        }
    }

    @Test
    void manyIdleConnections() throws Exception {
        int n = Sizes.pick(2_000, 10_000);
        try (IdleClients idle = IdleClients.open(port, n)) {
            assertThat(idle.greeted()).isEqualTo(n);
            // While they all sit there, others are served.
            for (int i = 0; i < 3; i++) {
                wellBehaved(port);
            }
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
