package dev.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.Json;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The web UI's side of the API: the page and its assets, the paged message list, the message view
 * with its path across instances, the HTML body's policy, attachments and the event stream.
 */
@Timeout(120)
class WebUiApiTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private Harness harness;
    private ApiServer api;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        harness = Harness.start(List.of(
                InstanceConfig.named("isp").mainCf("""
                        myhostname = mail.isp.example
                        mydestination = $myhostname
                        mynetworks =
                        smtpd_sasl_auth_enable = yes
                        smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                        default_transport = discard
                        mailrelay_sasl_users = inline:{ heraccount@herisp.example=pw-Secret-42 }
                        """).masterCf("submission inet n - n - - smtpd"),
                // SOHO_README's client with smtp_generic_maps, so that the path shows a rewrite.
                InstanceConfig.named("relay").mainCf("""
                        myhostname = host.localdomain.local
                        relayhost = [mail.isp.example]:submission
                        smtp_sasl_auth_enable = yes
                        smtp_sasl_security_options = noanonymous
                        smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=heraccount@herisp.example:pw-Secret-42 }
                        smtp_generic_maps = inline:{ her@localdomain.local=heraccount@herisp.example }
                        """).masterCf("smtp inet n - n - - smtpd")), true);
        api = ApiServer.start(harness, 0);
    }

    @AfterEach
    void stop() {
        api.close();
        harness.close();
    }

    @Test
    void thePageComesFromTheJarWithItsTokenUnderAPolicyThatAllowsOnlyThisServer() throws Exception {
        HttpResponse<String> page = get("");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<meta name=\"mailrelay-token\" content=\"" + api.token() + "\">")
                .contains("src=\"/ui/app.js\"").doesNotContain("{{token}}").doesNotContain("https://");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'");
        assertThat(get("ui/app.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("ui/app.js").body()).contains("new EventSource('/api/events')");
        assertThat(get("ui/app.css").statusCode()).isEqualTo(200);
        assertThat(get("ui/../pom.xml").statusCode()).isEqualTo(404);
        assertThat(get("ui/index.html").statusCode()).isEqualTo(404);
        // Another server has another token.
        try (ApiServer other = ApiServer.start(harness, 0)) {
            assertThat(other.token()).isNotEqualTo(api.token()).hasSizeGreaterThanOrEqualTo(32);
        }
    }

    @Test
    void theListIsNewestFirstFilteredAndPagedOnTheServer() throws Exception {
        for (int i = 0; i < 7; i++) {
            send(i % 2 == 0 ? "her@localdomain.local" : "him@localdomain.local", "n" + i, null);
        }
        // The ISP's arrival order (the relay's delivery agents work in parallel): by the time each was
        // queued, which concurrent sessions may record in another order than the capture lists them.
        List<CapturedMessage> captured = new java.util.ArrayList<>(harness.instance("isp").capture()
                .awaitMessages(7, WAIT));
        java.util.Collections.reverse(captured);
        captured.sort(java.util.Comparator.comparing(CapturedMessage::arrivalTime).reversed());
        java.util.Collections.reverse(captured);
        List<String> arrived = captured.stream().map(CapturedMessage::subject).toList();
        WebModel.MessagePage all = page("");
        assertThat(all.total()).isEqualTo(14);     // each message at the relay and at the ISP
        WebModel.MessagePage isp = page("instance=isp&limit=3");
        assertThat(isp.total()).isEqualTo(7);
        assertThat(isp.messages()).extracting(ApiModel.MessageInfo::subject)
                .containsExactly(arrived.get(6), arrived.get(5), arrived.get(4));
        assertThat(page("instance=isp&limit=3&offset=6").messages()).extracting(ApiModel.MessageInfo::subject)
                .containsExactly(arrived.get(0));
        assertThat(page("sender=HER@&instance=relay").messages()).extracting(ApiModel.MessageInfo::subject)
                .containsExactly("n6", "n4", "n2", "n0");
        assertThat(page("login=heraccount").total()).isEqualTo(7);   // the ISP's copies: the relay's login
        assertThat(page("subject=n3").messages()).extracting(ApiModel.MessageInfo::instance)
                .containsExactlyInAnyOrder("relay", "isp");
        assertThat(page("recipient=friend@").total()).isEqualTo(14);
        assertThat(page("recipient=nobody").total()).isZero();
        assertThat(get("api/messages?limit=501").statusCode()).isEqualTo(400);
        assertThat(get("api/messages?instance=nowhere").statusCode()).isEqualTo(404);
    }

    @Test
    void theViewHasBodiesAttachmentsTranscriptAndThePathAcrossInstancesWithTheRewrites() throws Exception {
        send("her@localdomain.local", "rich", "<p>hi</p><script>document.title='pwned'</script>");
        CapturedMessage atIsp = harness.instance("isp").capture().awaitMessage(m -> "rich".equals(m.subject()), WAIT);
        DeliveryAttempt sent = harness.instance("relay").capture()
                .awaitDelivery(d -> d.status() == DeliveryAttempt.Status.SENT, WAIT);
        String base = "api/instances/isp/messages/" + atIsp.queueId();
        HttpResponse<String> raw = get(base + "/view");
        assertThat(raw.body()).doesNotContain("pw-Secret-42");
        WebModel.MessageView v = Json.mapper().readValue(raw.body(), WebModel.MessageView.class);
        assertThat(v.text()).isEqualTo("hello\r\n");
        assertThat(v.html()).isTrue();
        assertThat(v.attachments()).singleElement().satisfies(a -> {
            assertThat(a.filename()).isEqualTo("report é.txt");
            assertThat(a.contentType()).startsWith("text/csv");
        });
        assertThat(v.headers()).extracting(WebModel.Header::name).contains("Received", "Subject", "From");
        assertThat(v.session().transcript()).extracting(WebModel.Exchange::command)
                .anyMatch(c -> c != null && c.startsWith("AUTH "));

        // relay -> isp, linked by "queued as"; the ISP's copy is the selected one.
        assertThat(v.path()).extracting(WebModel.Hop::instance).containsExactly("relay", "isp");
        WebModel.Hop relayHop = v.path().get(0);
        WebModel.Hop ispHop = v.path().get(1);
        assertThat(relayHop.queueId()).isEqualTo(sent.queueId());
        assertThat(relayHop.selected()).isFalse();
        assertThat(relayHop.deliveries()).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo("sent");
            assertThat(d.saslUsername()).isEqualTo("heraccount@herisp.example");
            assertThat(d.reply()).endsWith("queued as " + atIsp.queueId());
        });
        assertThat(relayHop.queued()).isNull();
        assertThat(relayHop.rewrites()).contains(new WebModel.Rewrite(
                "envelope sender as sent to [mail.isp.example]:submission (smtp_generic_maps)",
                "her@localdomain.local", "heraccount@herisp.example"));
        assertThat(ispHop.selected()).isTrue();
        assertThat(ispHop.saslUsername()).isEqualTo("heraccount@herisp.example");
        assertThat(ispHop.rewrites()).contains(new WebModel.Rewrite("header From: (relay -> isp)",
                "her@localdomain.local", "heraccount@herisp.example"));
        // The relay's copy has the same path, itself selected.
        WebModel.MessageView fromRelay = Json.mapper().readValue(
                get("api/instances/relay/messages/" + sent.queueId() + "/view").body(), WebModel.MessageView.class);
        assertThat(fromRelay.path()).extracting(WebModel.Hop::selected).containsExactly(true, false);

        HttpResponse<String> html = get(base + "/html");
        assertThat(html.headers().firstValue("Content-Security-Policy")).hasValue(WebAssets.MAIL_HTML_POLICY);
        assertThat(html.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(html.body()).contains("<p>hi</p>");
        HttpResponse<String> attachment = get(base + "/attachments/0");
        assertThat(attachment.body()).isEqualTo("a,b\r\n1,2\r\n");   // as SMTP carried it
        assertThat(attachment.headers().firstValue("Content-Disposition")).hasValue(
                "attachment; filename=\"report _.txt\"; filename*=UTF-8''report%20%C3%A9.txt");
        assertThat(attachment.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(get(base + "/attachments/1").statusCode()).isEqualTo(404);
        assertThat(get("api/instances/relay/messages/" + sent.queueId() + "/html").statusCode()).isEqualTo(200);
    }

    @Test
    void everyOpenStreamHearsOfNewMailAndOneStreamTooManyIsRefused() throws Exception {
        List<Stream<String>> streams = new ArrayList<>();
        try {
            for (int i = 0; i < EventStream.MAX_CLIENTS; i++) {
                HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(api.url().resolve("api/events"))
                        .build(), HttpResponse.BodyHandlers.ofLines());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
                streams.add(r.body());
            }
            HttpResponse<String> refused = get("api/events");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("too many event streams: at most " + EventStream.MAX_CLIENTS);
            // Streams hold no thread: the pool is as small as ever.
            String prefix = "mailrelay-api-" + api.port() + "-";
            assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)))
                    .hasSizeLessThanOrEqualTo(ApiServer.THREADS);

            List<CompletableFuture<String>> heard = streams.stream().map(s -> CompletableFuture.supplyAsync(() ->
                    s.filter(l -> l.startsWith("data: ") && l.contains("\"instance\":\"isp\"")).findFirst()
                            .orElseThrow())).toList();
            send("her@localdomain.local", "live", null);
            for (CompletableFuture<String> h : heard) {
                assertThat(h.get(20, TimeUnit.SECONDS)).contains("\"messages\":1");
            }
        } finally {
            streams.forEach(Stream::close);
        }
    }

    @Test
    void theCardsListTheMechanismsEachListenerOffersBeforeAndAfterStartTls() {
        // SASL_README's advice: no plaintext mechanism without TLS; submission offers AUTH only after STARTTLS.
        try (Harness h = Harness.start(List.of(InstanceConfig.named("mx").mainCf("""
                myhostname = mx.example
                smtpd_sasl_auth_enable = yes
                smtpd_tls_security_level = may
                smtpd_sasl_security_options = noanonymous, noplaintext
                smtpd_sasl_tls_security_options = noanonymous
                mailrelay_sasl_users = inline:{ u=p }
                """).masterCf("""
                smtp inet n - n - - smtpd
                submission inet n - n - - smtpd
                  -o smtpd_tls_auth_only=yes
                2525 inet n - n - - smtpd
                  -o smtpd_sasl_auth_enable=no
                """)), true)) {
            List<WebModel.Listener> listeners = MessageViews.overview(h).get(0).listeners();
            assertThat(listeners).extracting(WebModel.Listener::service).containsExactly("smtp", "submission", "2525");
            WebModel.Listener smtp = listeners.get(0);
            assertThat(smtp.saslMechanisms()).contains("CRAM-MD5").doesNotContain("PLAIN", "LOGIN", "ANONYMOUS");
            assertThat(smtp.saslTlsMechanisms()).contains("PLAIN", "LOGIN", "CRAM-MD5").doesNotContain("ANONYMOUS");
            assertThat(smtp.saslTlsMechanisms()).isEqualTo(h.instance("mx").saslMechanisms("smtp", true));
            WebModel.Listener submission = listeners.get(1);
            assertThat(submission.tlsAuthOnly()).isTrue();
            assertThat(submission.saslMechanisms()).isEmpty();
            assertThat(submission.saslTlsMechanisms()).isEqualTo(smtp.saslTlsMechanisms());
            assertThat(listeners.get(2).saslAuth()).isFalse();
            assertThat(listeners.get(2).saslTlsMechanisms()).isEmpty();
        }
    }

    @Test
    void oneMessageIsDeletedWithThePagesTokenAndTheOthersStay() throws Exception {
        send("her@localdomain.local", "keep", null);
        send("her@localdomain.local", "drop", null);
        List<CapturedMessage> got = harness.instance("relay").capture().awaitMessages(2, WAIT);
        String drop = got.stream().filter(m -> "drop".equals(m.subject())).findFirst().orElseThrow().queueId();
        URI uri = api.url().resolve("api/instances/relay/messages/" + drop);
        String origin = "http://127.0.0.1:" + api.port();
        // From a browser (even this server's page) without the token: refused, nothing forgotten.
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(uri).DELETE().header("Origin", origin).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains(ApiServer.TOKEN_HEADER);
        assertThat(harness.instance("relay").capture().messages()).hasSize(2);

        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(uri).DELETE().header("Origin", origin)
                .header(ApiServer.TOKEN_HEADER, api.token()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(harness.instance("relay").capture().messages()).extracting(CapturedMessage::subject)
                .containsExactly("keep");
        assertThat(get("api/instances/relay/messages/" + drop).statusCode()).isEqualTo(404);
        assertThat(page("instance=relay").total()).isEqualTo(1);
        // The session and the delivery attempts stay; a second DELETE finds nothing.
        assertThat(harness.instance("relay").capture().sessions()).hasSize(2);
        assertThat(http.send(HttpRequest.newBuilder(uri).DELETE().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);
    }

    @Test
    void theFaultToggleInstallsListsAndRemovesFaultsWithThePagesTokenAndEveryChangeIsAnEvent() throws Exception {
        URI faults = api.url().resolve("api/instances/isp/faults");
        String origin = "http://127.0.0.1:" + api.port();
        String spec = "{\"stage\":\"connect\",\"reply\":\"421 4.3.2 Service not available\",\"next\":2}";
        assertThat(MessageViews.overview(harness).get(0).faults()).isEmpty();
        HttpResponse<Stream<String>> events = http.send(HttpRequest.newBuilder(api.url().resolve("api/events")).build(),
                HttpResponse.BodyHandlers.ofLines());
        try {
            java.util.Iterator<String> lines = events.body().iterator();
            CompletableFuture<String> heard = CompletableFuture.supplyAsync(() -> {
                while (lines.hasNext()) {
                    String l = lines.next();
                    if (l.startsWith("data: ") && l.contains("\"instance\":\"isp\"")) {
                        return l;
                    }
                }
                throw new IllegalStateException("stream ended");
            });
            // From a browser without the page's token: refused, nothing installed.
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(faults).POST(HttpRequest.BodyPublishers
                    .ofString(spec)).header("Origin", origin).header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(harness.instance("isp").faults().list()).isEmpty();

            HttpResponse<String> added = http.send(HttpRequest.newBuilder(faults).POST(HttpRequest.BodyPublishers
                    .ofString(spec)).header("Origin", origin).header("Content-Type", "application/json")
                    .header(ApiServer.TOKEN_HEADER, api.token()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            // The page hears of it on its event stream (installed by anyone: the page, a test, the client).
            assertThat(heard.get(20, TimeUnit.SECONDS)).contains("\"instance\":\"isp\"");
            int id = Json.mapper().readValue(added.body(), ApiModel.FaultInfo.class).id();

            // An SMTP client gets it; the card shows the strike and what is left of next 2.
            try (Socket s = new Socket("127.0.0.1", harness.instance("isp").port("submission"))) {
                s.setSoTimeout(20_000);
                assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine()).isEqualTo("421 4.3.2 Service not available");
            }
            HttpResponse<String> overview = get("api/overview");
            WebModel.Instance isp = List.of(Json.mapper().readValue(overview.body(), WebModel.Instance[].class))
                    .stream().filter(i -> i.name().equals("isp")).findFirst().orElseThrow();
            assertThat(isp.faults()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo(id);
                assertThat(f.fault()).isEqualTo("#" + id + " CONNECT reply \"421 4.3.2 Service not available\" next 2");
                assertThat(f.spec().next()).isEqualTo(2);
                assertThat(f.injected()).isEqualTo(1);
                assertThat(f.active()).isTrue();
            });

            // Remove one, clear all: with the token, as the page's buttons do.
            HttpResponse<String> removed = http.send(HttpRequest.newBuilder(URI.create(faults + "/" + id)).DELETE()
                    .header("Origin", origin).header(ApiServer.TOKEN_HEADER, api.token()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(removed.statusCode()).isEqualTo(204);
            harness.instance("isp").faults().onData().disconnect();
            assertThat(MessageViews.overview(harness).get(0).faults()).hasSize(1);
            assertThat(http.send(HttpRequest.newBuilder(faults).DELETE().header("Origin", origin).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
            HttpResponse<String> cleared = http.send(HttpRequest.newBuilder(faults).DELETE().header("Origin", origin)
                    .header(ApiServer.TOKEN_HEADER, api.token()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(cleared.statusCode()).isEqualTo(204);
            assertThat(MessageViews.overview(harness).get(0).faults()).isEmpty();
        } finally {
            events.body().close();
        }
        // The page has the toggle, with no inline script (the policy allows only this server's files).
        assertThat(get("ui/app.js").body()).contains("/faults", "'X-Mailrelay-Token'", "handshakeFailure");
        assertThat(get("").body()).doesNotContain("onclick", "<script>");
    }

    @Test
    void aPageThatStopsReadingIsDroppedAndHoldsNoThread() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        EventStream stream = new EventStream(harness, pool, Duration.ofMillis(500));
        server.createContext("/", ex -> stream.open(ex));
        server.setExecutor(pool);
        server.start();
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(1024);     // and never read: the server's writes fill it up
            stalled.connect(server.getAddress());
            stalled.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + WAIT.toNanos() * 3;
            // Every reset is an event to write; the pool's only thread blocks once the socket is full,
            // until the write timeout drops the stream.
            boolean opened = false;
            for (int open = stream.clients(); !opened || open > 0; open = stream.clients()) {
                opened |= open > 0;
                harness.instance("isp").capture().reset();
                assertThat(System.nanoTime()).as("the stalled stream is dropped").isLessThan(deadline);
            }
            assertThat(stream.clients()).isZero();
            // The pool's thread is free again: a new page gets its events.
            HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.getAddress().getPort() + "/")).build(), HttpResponse.BodyHandlers.ofLines());
            CompletableFuture<String> heard = CompletableFuture.supplyAsync(() ->
                    r.body().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow());
            harness.instance("isp").capture().reset();
            assertThat(heard.get(20, TimeUnit.SECONDS)).contains("\"instance\":\"isp\"");
            r.body().close();
        } finally {
            stream.close();
            server.stop(0);
            pool.shutdownNow();
        }
    }

    private WebModel.MessagePage page(String query) throws Exception {
        HttpResponse<String> r = get("api/messages?" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.mapper().readValue(r.body(), WebModel.MessagePage.class);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A message through the relay from mynetworks; with {@code html}, multipart with an attachment. */
    private void send(String from, String subject, String html) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(harness.instance("relay").port("smtp")));
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress(from));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("friend@elsewhere.example"));
        m.setSubject(subject);
        if (html == null) {
            m.setText("hello\n");
        } else {
            MimeBodyPart text = new MimeBodyPart();
            text.setText("hello\n");
            MimeBodyPart rich = new MimeBodyPart();
            rich.setContent(html, "text/html; charset=utf-8");
            MimeMultipart alternative = new MimeMultipart("alternative", text, rich);
            MimeBodyPart body = new MimeBodyPart();
            body.setContent(alternative);
            MimeBodyPart attachment = new MimeBodyPart();
            attachment.setContent("a,b\n1,2\n", "text/csv; charset=utf-8");
            attachment.setFileName("report é.txt");
            m.setContent(new MimeMultipart(body, attachment));
        }
        Transport.send(m);
    }
}
