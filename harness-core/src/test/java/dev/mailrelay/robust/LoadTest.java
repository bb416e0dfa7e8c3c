package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.HarnessCa;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 50 concurrent clients submit mail with STARTTLS and AUTH to a relay, which relays it with TLS and
 * AUTH to an upstream instance, for 5 s (60 s with -Plong). Every message that got a 250 must be
 * captured upstream exactly once, or bounced with a DSN; counted.
 */
@Timeout(900)
class LoadTest {

    static final int CLIENTS = 50;
    static final int MAX_PER_CLIENT = Sizes.pick(20, 200);

    @Test
    void fiftyClientsThroughRelayAndUpstream() throws Exception {
        Duration run = Duration.ofSeconds(Sizes.pick(5, 60));
        try (Harness h = Harness.start(List.of(
                InstanceConfig.named("isp").mainCf("""
                        myhostname = mail.isp.example
                        mydestination = $myhostname, isp.example
                        mynetworks =
                        smtpd_sasl_auth_enable = yes
                        smtpd_tls_security_level = may
                        smtpd_tls_auth_only = yes
                        smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                        default_transport = discard
                        mailrelay_sasl_users = inline:{ relay@isp.example=Load-Up-Pw }
                        smtpd_client_connection_count_limit = 0
                        """).masterCf("submission inet n - n - - smtpd"),
                InstanceConfig.named("relay").mainCf("""
                        myhostname = relay.box.local
                        mynetworks =
                        relayhost = [mail.isp.example]:submission
                        smtp_sasl_auth_enable = yes
                        smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=relay@isp.example:Load-Up-Pw }
                        smtp_tls_security_level = encrypt
                        smtp_sasl_tls_security_options = noanonymous
                        smtp_sasl_mechanism_filter = plain
                        smtpd_sasl_auth_enable = yes
                        smtpd_tls_security_level = may
                        smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                        mailrelay_sasl_users = inline:{ app@box.local=Load-App-Pw }
                        # 50 clients that reconnect at once can briefly hold 51 (anvil hears of a
                        # disconnect after the client has gone), as with Postfix's default of 50.
                        smtpd_client_connection_count_limit = 0
                        """).masterCf("submission inet n - n - - smtpd")), true)) {
            Instance relay = h.instance("relay");
            Instance isp = h.instance("isp");
            int port = relay.port("submission");
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            long deadline = System.nanoTime() + run.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    int n = 0;
                    // Bounded per client, so that the relay's 4 delivery agents can drain what was accepted.
                    while (System.nanoTime() < deadline && n < MAX_PER_CLIENT) {
                        try (Socket plain = new Socket("127.0.0.1", port)) {
                            plain.setSoTimeout(30_000);
                            Conversation conv = new Conversation(plain);
                            conv.expect("220");
                            conv.cmd("EHLO client" + client, "250");
                            conv.cmd("STARTTLS", "220");
                            SSLSocket ssl = (SSLSocket) HarnessCa.socketFactory().createSocket(plain, "localhost",
                                    port, true);
                            ssl.startHandshake();
                            conv = new Conversation(ssl);
                            conv.cmd("EHLO client" + client, "250");
                            conv.cmd("AUTH PLAIN " + Base64.getEncoder().encodeToString(
                                    "\0app@box.local\0Load-App-Pw".getBytes(StandardCharsets.UTF_8)), "235");
                            // Several messages per connection, as an application's mail pool sends them.
                            for (int m = 0; m < 5 && System.nanoTime() < deadline; m++) {
                                String id = "load-" + client + "-" + n++;
                                conv.cmd("MAIL FROM:<app@box.local>", "250");
                                conv.cmd("RCPT TO:<user" + client + "@isp.example>", "250");
                                conv.cmd("DATA", "354");
                                String reply = conv.cmdReply("Subject: " + id + "\r\n\r\nload test body\r\n.");
                                if (reply.startsWith("250")) {
                                    accepted.add(id);
                                } else {
                                    refused.incrementAndGet();
                                }
                            }
                            conv.cmd("QUIT", "221");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get(run.getSeconds() + 120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(accepted).isNotEmpty();
            // Everything accepted reaches the upstream (or comes back as a DSN) once.
            Duration wait = Duration.ofSeconds(Sizes.pick(120, 600));
            relay.capture().awaitDeliveries(accepted.size(), wait);
            relay.awaitIdle(wait);
            // Mail deferred under load (an upstream connection lost, a timeout) is retried at once
            // instead of after minimal_backoff_time, as postqueue -f would; bounded rounds.
            for (int round = 0; round < 10 && isp.capture().messages().size() < accepted.size(); round++) {
                relay.capture().deliveries().stream().filter(d -> d.status() == DeliveryAttempt.Status.DEFERRED)
                        .map(DeliveryAttempt::reply).distinct().forEach(r -> System.out.println("LoadTest: deferred: " + r));
                relay.flush();
                relay.awaitIdle(wait);
            }
            List<CapturedMessage> upstream = isp.capture().awaitMessages(accepted.size(), wait);
            Map<String, Integer> counts = new HashMap<>();
            for (CapturedMessage m : isp.capture().messages()) {
                counts.merge(m.subject(), 1, Integer::sum);
            }
            long bounced = relay.capture().deliveries().stream()
                    .filter(d -> d.status() == DeliveryAttempt.Status.BOUNCED).count();
            long deferred = relay.capture().deliveries().stream()
                    .filter(d -> d.status() == DeliveryAttempt.Status.DEFERRED).count();
            System.out.printf("LoadTest: %d clients for %ds: %d messages accepted with 250 (%.0f/s), %d refused, "
                            + "%d captured upstream, %d bounced, %d deferred attempts%n", CLIENTS, run.getSeconds(),
                    accepted.size(), accepted.size() / (double) run.getSeconds(), refused.get(), upstream.size(),
                    bounced, deferred);
            assertThat(bounced).isZero();
            assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(accepted);
            assertThat(counts.values()).allMatch(c -> c == 1);
            assertThat(isp.capture().messages()).allMatch(m -> "relay@isp.example".equals(m.saslUsername())
                    && m.tls() != null);
        }
    }

    /** A line-based SMTP conversation over one socket. */
    static final class Conversation {
        private final BufferedReader in;
        private final OutputStream out;

        Conversation(Socket s) throws java.io.IOException {
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out = s.getOutputStream();
        }

        String expect(String code) throws java.io.IOException {
            String last = readReply();
            if (!last.startsWith(code)) {
                throw new AssertionError("expected " + code + ", got " + last);
            }
            return last;
        }

        void cmd(String line, String code) throws java.io.IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            expect(code);
        }

        String cmdReply(String line) throws java.io.IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readReply();
        }

        private String readReply() throws java.io.IOException {
            while (true) {
                String l = in.readLine();
                if (l == null) {
                    throw new java.io.EOFException("connection closed");
                }
                if (l.length() < 4 || l.charAt(3) != '-') {
                    return l;
                }
            }
        }
    }
}
