package dev.mailrelay.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.TheApplication;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/** The examples in the Javadoc of {@code dev.mailrelay.capture}, as they are printed there. */
class CaptureExamplesTest {

    // tag::maillog[]
    private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");
    // end::maillog[]

    private Harness harness;

    @BeforeEach
    void start() {
        // An ISP with one user and a relay that hands everything to it with SASL_README's client settings.
        harness = Harness.start(List.of(
                InstanceConfig.named("isp").mainCf("""
                        myhostname = mail.isp.example
                        smtpd_sasl_auth_enable = yes
                        mailrelay_sasl_users = inline:{ alice@isp.example=secret }
                        default_transport = discard
                        """),
                InstanceConfig.named("relay").mainCf("""
                        smtpd_sasl_auth_enable = yes
                        mailrelay_sasl_users = inline:{ app=app-secret }
                        relayhost = [mail.isp.example]
                        smtp_sasl_auth_enable = yes
                        smtp_sasl_password_maps = inline:{ [mail.isp.example]=alice@isp.example:secret }
                        smtp_sasl_security_options = noanonymous
                        """)), true);
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void capture() throws Exception {
        Instance isp = harness.instance("isp");
        TheApplication.send(isp.port("smtp"), "alice@isp.example", "secret", "Hello");
        // tag::capture[]
        List<CapturedMessage> got = isp.capture().awaitMessages(1, Duration.ofSeconds(10));
        // end::capture[]
        assertEquals(1, got.size());
    }

    @Test
    void capturedMessage() throws Exception {
        Instance instance = harness.instance("isp");
        TheApplication.send(instance.port("smtp"), "alice@isp.example", "secret", "Hello");
        // tag::captured-message[]
        CapturedMessage m = instance.capture().awaitMessages(1, Duration.ofSeconds(5)).get(0);
        assertEquals("PLAIN", m.saslMethod());
        assertEquals("Hello", m.mimeMessage().getSubject());
        // end::captured-message[]
    }

    @Test
    void messagesArrived() throws Exception {
        Capture capture = harness.instance("isp").capture();
        CompletableFuture<List<CapturedMessage>> answered = new CompletableFuture<>();
        BiConsumer<List<CapturedMessage>, Throwable> reply = (messages, timeout) -> answered.complete(messages);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            // tag::messages-arrived[]
            capture.messagesArrived(2).orTimeout(10, TimeUnit.SECONDS).whenCompleteAsync(reply, executor);
            // end::messages-arrived[]
            TheApplication.send(harness.instance("isp").port("smtp"), "alice@isp.example", "secret", "one");
            TheApplication.send(harness.instance("isp").port("smtp"), "alice@isp.example", "secret", "two");
            assertEquals(2, answered.get(10, TimeUnit.SECONDS).size());
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void deliveryAttempt() throws Exception {
        Instance relay = harness.instance("relay");
        TheApplication.send(relay.port("smtp"), "app", "app-secret", "Hello");
        // tag::delivery-attempt[]
        DeliveryAttempt d = relay.capture().awaitDeliveries(1, Duration.ofSeconds(10)).get(0);
        assertEquals(DeliveryAttempt.Status.SENT, d.status());
        assertEquals("alice@isp.example", d.saslUsername());
        // end::delivery-attempt[]
    }

    @Test
    void messageContent() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // tag::message-content[]
        MessageContent c = MessageContent.of("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
        try (InputStream in = c.openStream()) {
            in.transferTo(out);
        }
        // end::message-content[]
        assertEquals("Subject: hi\r\n\r\nbody\r\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void contentStore(@TempDir Path dir) throws Exception {
        byte[] bytes = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        // tag::content-store[]
        ContentStore store = new ContentStore(dir, "isp", 1 << 20);
        ContentStore.Writer w = store.writer();
        w.write(bytes, 0, bytes.length);
        MessageContent content = w.finish();   // throws the first write error, leaving no file behind
        // end::content-store[]
        assertEquals(bytes.length, content.size());
        store.close();
    }

    @Test
    void transcript() {
        CapturedSession.Exchange exchange = new CapturedSession.Exchange("NOOP", List.of("250 2.0.0 Ok"));
        // tag::transcript[]
        Transcript t = new Transcript(16384);   // 0: no limit
        t.add(exchange);
        List<CapturedSession.Exchange> now = t.snapshot();   // unaffected by later adds
        // end::transcript[]
        t.add(exchange);
        assertEquals(1, now.size());
    }

    @Test
    void maillog() {
        assertEquals("dev.mailrelay.smtpd", log.getName());
    }

    @Test
    void changedAfter() throws Exception {
        Capture capture = harness.instance("isp").capture();
        CompletableFuture<Void> refreshed = new CompletableFuture<>();
        Runnable refresh = () -> refreshed.complete(null);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            // tag::changed-after[]
            capture.changedAfter(capture.changes()).thenAcceptAsync(now -> refresh.run(), executor);
            // end::changed-after[]
            TheApplication.send(harness.instance("isp").port("smtp"), "alice@isp.example", "secret", "one");
            refreshed.get(10, TimeUnit.SECONDS);
        } finally {
            executor.shutdown();
        }
    }
}
