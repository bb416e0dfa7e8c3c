package dev.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.Json;
import dev.mailrelay.client.MailRelayClient;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The API serves only clients that name it (Host, against DNS rebinding) and refuses state changes
 * from foreign pages (Origin); long polls are capped and hold no thread while they wait; a 408 does
 * not grow with the sessions seen.
 */
@Timeout(120)
class ApiServerGuardTest {

    private Harness harness;
    private ApiServer api;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname
                default_transport = discard
                local_transport = discard
                """)), true);
        api = ApiServer.start(harness, instance -> { }, 0);
    }

    @AfterEach
    void stop() {
        api.close();
        harness.close();
    }

    @Test
    void aHostThatIsNotThisServerIs421MisdirectedRequest() throws Exception {
        int port = api.port();
        // What a browser sends after DNS rebinding: the attacker's name in Host.
        assertThat(rawStatus("GET", "evil.example:" + port)).isEqualTo(421);
        assertThat(rawStatus("GET", "evil.example")).isEqualTo(421);
        assertThat(rawStatus("GET", "127.0.0.1:" + (port == 65535 ? 1 : port + 1))).isEqualTo(421);
        assertThat(rawStatus("GET", "127.0.0.1")).isEqualTo(421);
        assertThat(rawStatus("GET", "[::1]:" + port)).isEqualTo(421);   // bound to 127.0.0.1, not ::1
        assertThat(rawStatus("GET", "127.0.0.1:" + port)).isEqualTo(200);
        assertThat(rawStatus("GET", "localhost:" + port)).isEqualTo(200);
        assertThat(rawStatus("GET", "LocalHost:" + port)).isEqualTo(200);
        // MailRelayClient names the server as api.url() does, and so does an HttpClient.
        assertThat(MailRelayClient.connect(api.url()).instances()).hasSize(1);
        assertThat(send("GET", "api/instances", null).statusCode()).isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/instances"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void aStateChangeFromAForeignOriginOrWithoutThePageTokenIs403AndFromNonBrowsersIsServed() throws Exception {
        int port = api.port();
        for (String foreign : List.of("http://evil.example", "null", "http://127.0.0.1:" + (port + 1),
                "https://127.0.0.1:" + port, "http://evil.example:" + port)) {
            assertThat(send("POST", "api/instances/isp/flush", foreign).statusCode()).as(foreign).isEqualTo(403);
            assertThat(send("DELETE", "api/instances/isp/messages", foreign).statusCode()).as(foreign).isEqualTo(403);
        }
        // From this server's own page: only with the page's token (a foreign page cannot read it).
        assertThat(send("POST", "api/instances/isp/flush", "http://127.0.0.1:" + port).statusCode()).isEqualTo(403);
        HttpResponse<String> tokenless = send("DELETE", "api/instances/isp/messages", "http://localhost:" + port);
        assertThat(tokenless.statusCode()).isEqualTo(403);
        assertThat(tokenless.body()).contains("without the web UI's X-Mailrelay-Token header");
        assertThat(http.send(request("POST", "api/instances/isp/flush", "http://127.0.0.1:" + port)
                .header("X-Mailrelay-Token", "guessed").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(403);
        assertThat(http.send(request("POST", "api/instances/isp/flush", "http://127.0.0.1:" + port)
                .header("X-Mailrelay-Token", api.token()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(http.send(request("POST", "api/instances/isp/flush", "http://localhost:" + port)
                .header("X-Mailrelay-Token", api.token()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(http.send(request("POST", "api/instances/isp/flush", "http://evil.example")
                .header("X-Mailrelay-Token", api.token()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(403);
        // A browser request without Origin still says where it comes from.
        assertThat(http.send(request("POST", "api/instances/isp/flush", null)
                .header("Sec-Fetch-Site", "cross-site").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(403);
        // Non-browser clients (MailRelayClient, curl) send neither and are served.
        assertThat(send("POST", "api/instances/isp/flush", null).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "api/instances/isp/messages", null).statusCode()).isEqualTo(204);
        // Reading is not a state change; a browser keeps a foreign page from seeing the answer (no CORS).
        assertThat(send("GET", "api/instances", "http://evil.example").statusCode()).isEqualTo(200);
    }

    @Test
    void aTimeoutAboveTheCapIs400AndTheClientPollsAgainInstead() throws Exception {
        HttpResponse<String> r = send("POST", "api/instances/isp/await?count=1&timeout=PT5M1S", null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("bad timeout: PT5M1S (at most PT5M per request; poll again)");
        assertThat(send("POST", "api/instances/isp/await?count=0&timeout=PT5M", null).statusCode()).isEqualTo(200);
        // The client splits a longer wait into capped polls: answered at once once the mail is there.
        CompletableFuture<List<ApiModel.MessageInfo>> waiting = CompletableFuture.supplyAsync(() ->
                MailRelayClient.connect(api.url()).awaitMessages("isp", 1, Duration.ofMinutes(20)));
        smtp("capped");
        assertThat(waiting.get(60, TimeUnit.SECONDS)).hasSize(1);
    }

    @Test
    void aHundredLongPollsWaitWithoutAThreadEachAndAreAllAnswered() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            polls.add(http.sendAsync(request("POST", "api/instances/isp/await?count=1&timeout=PT60S", null)
                    .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        // While they wait, the API still answers, from a pool that never grew past its few threads.
        assertThat(send("GET", "api/instances", null).statusCode()).isEqualTo(200);
        String prefix = "mailrelay-api-" + api.port() + "-";
        long threads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
        assertThat(threads).isLessThanOrEqualTo(ApiServer.THREADS);
        smtp("for a hundred");
        for (CompletableFuture<HttpResponse<String>> poll : polls) {
            HttpResponse<String> r = poll.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("for a hundred");
        }
    }

    @Test
    void the408BodyDoesNotGrowWithEverySessionSeen() throws Exception {
        for (int i = 0; i < 90; i++) {
            smtp("s" + i);
        }
        HttpResponse<String> r = send("POST", "api/instances/isp/await?count=1000&timeout=PT0.1S", null);
        assertThat(r.statusCode()).isEqualTo(408);
        ApiModel.ApiError e = Json.mapper().readValue(r.body(), ApiModel.ApiError.class);
        // The latest sessions only (Capture.describe()), however many were seen.
        assertThat(e.description()).contains("90 session(s) (the first 70 not shown):");
        assertThat(e.description().split("\n  #", -1)).hasSize(21);
        assertThat(e.error()).startsWith("expected at least 1000 message(s) at instance isp within PT0.1S; ");
    }

    private HttpRequest.Builder request(String method, String path, String origin) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.url() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30));
        if (origin != null) {
            b.header("Origin", origin);
        }
        return b;
    }

    private HttpResponse<String> send(String method, String path, String origin) throws Exception {
        return http.send(request(method, path, origin).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An HTTP/1.1 request over a plain socket, with any Host header (HttpClient will not send another). */
    private int rawStatus(String method, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", api.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " /api/instances HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /** One message over SMTP, a session of its own. */
    private void smtp(String subject) throws Exception {
        try (Socket s = new Socket("127.0.0.1", harness.instance("isp").port("smtp"))) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            for (String line : List.of("HELO client.example", "MAIL FROM:<a@client.example>",
                    "RCPT TO:<postmaster@mail.isp.example>", "DATA",
                    "Subject: " + subject + "\r\n\r\nbody\r\n.", "QUIT")) {
                out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).matches("[23]\\d\\d .*");
            }
        }
    }
}
