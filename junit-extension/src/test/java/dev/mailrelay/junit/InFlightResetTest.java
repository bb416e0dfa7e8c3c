package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Mail in flight when a test ends is gone in the next: the reset between tests ends a delivery whose
 * upstream stalled after the message content (it would wait for smtp_data_done_timeout, 600 s), so
 * neither the message nor the outcome of that attempt shows up later, and the reset does not wait
 * for the stalled upstream.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InFlightResetTest {

    private static final StallingUpstream UPSTREAM = StallingUpstream.start();

    @RegisterExtension
    static SaslRelayExtension mail = SaslRelayExtension.builder()
            .instance(InstanceSpec.named("relay").relayhost("[127.0.0.1]:" + UPSTREAM.port()))
            .build();

    @AfterAll
    static void stopUpstream() {
        UPSTREAM.close();
    }

    @Test
    @Order(1)
    void theUpstreamStallsAfterTheContent(SaslRelay relay) throws Exception {
        Mail.send(relay.host(), relay.port(), null, null, "app@example.com", "bob@example.org", "in flight in test 1");
        UPSTREAM.stalled.get(10, TimeUnit.SECONDS);
        // The test ends with the relay waiting for the upstream's reply to the end of DATA.
    }

    @Test
    @Order(2)
    void theInFlightMessageIsGoneInTheNextTest(@InstanceName("relay") RelayInstance relay) throws Exception {
        // The reset closed the stalled connection: the attempt ended then, not at a timeout.
        UPSTREAM.stalledConnectionClosed.get(10, TimeUnit.SECONDS);
        assertThat(relay.core().awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(relay.deliveries()).isEmpty();
        assertThat(relay.messages()).isEmpty();
        assertThat(relay.core().deleteQueuedMail()).isZero();

        Mail.send(relay.host(), relay.port(), null, null, "app@example.com", "bob@example.org", "sent in test 2");
        assertThat(relay).deliveredMessage().wasSent().isTo("bob@example.org");
        relay.flush();
        assertThat(relay.core().awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(relay.deliveries()).hasSize(1);
        assertThat(UPSTREAM.subjects).hasValue(1);
    }

    /** An SMTP server that stalls after the content of its first message and accepts later ones. */
    static final class StallingUpstream implements AutoCloseable {

        final CompletableFuture<Void> stalled = new CompletableFuture<>();
        final CompletableFuture<Void> stalledConnectionClosed = new CompletableFuture<>();
        /** Messages answered with 250 after their content. */
        final AtomicInteger subjects = new AtomicInteger();
        private final ServerSocket server;

        private StallingUpstream(ServerSocket server) {
            this.server = server;
        }

        static StallingUpstream start() {
            try {
                StallingUpstream u = new StallingUpstream(new ServerSocket(0, 10, InetAddress.getLoopbackAddress()));
                Thread t = new Thread(u::acceptLoop, "stalling-upstream");
                t.setDaemon(true);
                t.start();
                return u;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> session(s), "stalling-upstream-session");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;   // closed
                }
            }
        }

        private void session(Socket socket) {
            try (socket) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = socket.getOutputStream();
                reply(out, "220 upstream.example ESMTP");
                String line;
                while ((line = in.readLine()) != null) {
                    String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase();
                    switch (verb) {
                        case "EHLO" -> reply(out, "250 upstream.example");
                        case "DATA" -> {
                            reply(out, "354 End data with <CR><LF>.<CR><LF>");
                            while ((line = in.readLine()) != null && !line.equals(".")) {
                                // the content
                            }
                            if (stalled.complete(null)) {
                                // The first message: no reply, until the client goes away.
                                while (in.readLine() != null) {
                                    // nothing is answered
                                }
                                stalledConnectionClosed.complete(null);
                                return;
                            }
                            subjects.incrementAndGet();
                            reply(out, "250 2.0.0 Ok: queued");
                        }
                        case "QUIT" -> {
                            reply(out, "221 2.0.0 Bye");
                            return;
                        }
                        default -> reply(out, "250 2.0.0 Ok");
                    }
                }
            } catch (IOException e) {
                stalledConnectionClosed.complete(null);   // reset by the client: closed as well
            }
        }

        private static void reply(OutputStream out, String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }
}
