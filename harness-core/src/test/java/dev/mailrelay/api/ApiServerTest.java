package dev.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.Json;
import dev.mailrelay.client.MailRelayApiException;
import dev.mailrelay.client.MailRelayClient;
import dev.mailrelay.client.MailRelayTimeoutException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiServerTest {

    private Harness harness;
    private ApiServer api;
    private MailRelayClient client;
    private final AtomicReference<String> flushed = new AtomicReference<>();

    @BeforeEach
    void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp")
                .mainCf("""
                        myhostname = mail.isp.example
                        mailrelay_hostnames = smtp.isp.example, mx.isp.example
                        smtpd_sasl_auth_enable = yes
                        mailrelay_sasl_users = inline:{ alice=s3cret-Pa55 }
                        """)
                .masterCf("submission inet n - n - - smtpd")), true);
        api = ApiServer.start(harness, instance -> flushed.set(instance.name()), 0);
        client = MailRelayClient.connect(api.url());
    }

    @AfterEach
    void stop() {
        api.close();
        harness.close();
    }

    @Test
    void listsInstancesWithListeners() {
        assertThat(api.url().toString()).matches("http://127\\.0\\.0\\.1:\\d+/");
        List<ApiModel.InstanceInfo> instances = client.instances();
        assertThat(instances).hasSize(1);
        ApiModel.InstanceInfo isp = instances.get(0);
        assertThat(isp.name()).isEqualTo("isp");
        assertThat(isp.myhostname()).isEqualTo("mail.isp.example");
        assertThat(isp.hostnames()).containsExactly("smtp.isp.example", "mx.isp.example");
        assertThat(isp.listeners()).containsExactly(new ApiModel.ListenerInfo("submission", "127.0.0.1",
                harness.instance("isp").port("submission")));
        assertThat(isp.port("submission")).isEqualTo(harness.instance("isp").port("submission"));
    }

    @Test
    void awaitAnswersWhenTheMessageArrivesAndServesItAsJsonAndRaw() throws Exception {
        CompletableFuture<List<ApiModel.MessageInfo>> waiting =
                CompletableFuture.supplyAsync(() -> client.awaitMessages("isp", 1, Duration.ofSeconds(20)));
        send("alice", "s3cret-Pa55", "Hello API");
        List<ApiModel.MessageInfo> got = waiting.get();
        assertThat(got).hasSize(1);
        ApiModel.MessageInfo m = got.get(0);
        assertThat(m.from()).isEqualTo("alice@client.example");
        assertThat(m.to()).containsExactly("bob@elsewhere.example");
        assertThat(m.subject()).isEqualTo("Hello API");
        assertThat(m.saslMethod()).isEqualTo("PLAIN");
        assertThat(m.saslUsername()).isEqualTo("alice");
        assertThat(m.tlsProtocol()).isNull();
        assertThat(m.protocol()).isEqualTo("ESMTPA");
        assertThat(m.received()).isNotNull();

        assertThat(client.messages("isp")).containsExactly(m);
        ApiModel.MessageDetails d = client.message("isp", m.id());
        assertThat(d.clientAddress()).isEqualTo("127.0.0.1");
        assertThat(d.receivedHeader()).contains("with ESMTPA id " + m.id());
        String raw = new String(client.raw("isp", m.id()), StandardCharsets.UTF_8);
        assertThat(raw).startsWith("Received: from ").contains("Subject: Hello API");

        HttpResponse<String> r = http("GET", "api/instances/isp/messages/" + m.id() + "/raw");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("message/rfc822");
        // Never a password in any response.
        for (String path : List.of("api/instances", "api/instances/isp/messages",
                "api/instances/isp/messages/" + m.id(), "api/instances/isp/deliveries")) {
            assertThat(http("GET", path).body()).doesNotContain("s3cret-Pa55");
        }
    }

    @Test
    void awaitThatRunsOutIs408WithWhatDidArrive() throws Exception {
        send("alice", "s3cret-Pa55", "only one");
        assertThatThrownBy(() -> client.awaitMessages("isp", 2, Duration.ofMillis(300)))
                .isInstanceOf(MailRelayTimeoutException.class)
                .hasMessageContaining("expected at least 2 message(s) at instance isp")
                .hasMessageContaining("1 message(s) arrived");
        HttpResponse<String> r = http("POST", "api/instances/isp/await?count=2&timeout=PT0.2S");
        assertThat(r.statusCode()).isEqualTo(408);
        ApiModel.ApiError e = Json.mapper().readValue(r.body(), ApiModel.ApiError.class);
        assertThat(e.messages()).hasSize(1);
        assertThat(e.description()).contains("1 message(s) arrived");
    }

    @Test
    void awaitMessageWaitsForAMatch() throws Exception {
        CompletableFuture<ApiModel.MessageInfo> waiting = CompletableFuture.supplyAsync(() ->
                client.awaitMessage("isp", m -> "second".equals(m.subject()), Duration.ofSeconds(20)));
        send("alice", "s3cret-Pa55", "first");
        send("alice", "s3cret-Pa55", "second");
        assertThat(waiting.get().subject()).isEqualTo("second");
    }

    @Test
    void resetForgetsMessagesAndFlushCallsTheFlusher() throws Exception {
        send("alice", "s3cret-Pa55", "to forget");
        assertThat(client.messages("isp")).hasSize(1);
        client.reset("isp");
        client.assertNoMessages("isp");
        assertThat(client.deliveries("isp")).isEmpty();
        client.flush("isp");
        assertThat(flushed.get()).isEqualTo("isp");
    }

    @Test
    void unknownThingsAre404sNamingThem() throws Exception {
        assertThatThrownBy(() -> client.messages("nosuch"))
                .isInstanceOf(MailRelayApiException.class)
                .hasMessageContaining("404")
                .hasMessageContaining("no instance named nosuch; running: [isp]");
        assertThatThrownBy(() -> client.message("isp", "ABCDEF"))
                .isInstanceOf(MailRelayApiException.class)
                .hasMessageContaining("no message ABCDEF at instance isp");
        HttpResponse<String> r = http("GET", "nothing/here");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(r.body()).contains("no such resource: /nothing/here");
        // An error names status and error only: no members without a value.
        assertThat(Json.mapper().readTree(r.body()).properties()).extracting(Map.Entry::getKey)
                .containsExactly("status", "error");
        assertThat(http("POST", "api/instances/isp/await?count=x").statusCode()).isEqualTo(400);
    }

    @Test
    void aMethodTheResourceDoesNotSupportIs405WithAllow() throws Exception {
        HttpResponse<String> r = http("GET", "api/instances/isp/flush");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("POST");
        assertThat(r.body()).doesNotContain("null").contains("\"status\" : 405")
                .contains("GET /api/instances/isp/flush: method not allowed, use POST");
        HttpResponse<String> messages = http("PUT", "api/instances/isp/messages");
        assertThat(messages.statusCode()).isEqualTo(405);
        assertThat(messages.headers().firstValue("Allow")).hasValue("GET, DELETE");
        assertThat(http("POST", "api/instances").headers().firstValue("Allow")).hasValue("GET");
        assertThat(http("GET", "api/instances/isp/deliveries/await").statusCode()).isEqualTo(405);
    }

    @Test
    void deliveriesAwaitThatRunsOutIs408WithTheDeliveriesSoFar() throws Exception {
        // A relay whose relayhost is nowhere: one deferred attempt, then nothing within the wait.
        try (Harness relayHarness = Harness.start(List.of(InstanceConfig.named("relay").mainCf("""
                        myhostname = relay.box.local
                        relayhost = [mail.nowhere.example]
                        """).masterCf("smtp inet n - n - - smtpd")), true);
             ApiServer relayApi = ApiServer.start(relayHarness, instance -> { }, 0)) {
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", String.valueOf(relayHarness.instance("relay").port("smtp")));
            MimeMessage message = new MimeMessage(Session.getInstance(p));
            message.setFrom(new InternetAddress("me@box.local"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
            message.setSubject("nowhere");
            message.setText("body\n");
            Transport.send(message);
            relayHarness.instance("relay").capture().awaitDeliveries(1, Duration.ofSeconds(10));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(relayApi.url() + "api/instances/relay/deliveries/await?count=2&timeout=PT0.2S"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(408);
            assertThat(r.body()).doesNotContain("\"messages\"");
            ApiModel.ApiError e = Json.mapper().readValue(r.body(), ApiModel.ApiError.class);
            assertThat(e.deliveries()).singleElement().satisfies(d -> {
                assertThat(d.status()).isEqualTo("deferred");
                assertThat(d.nextHop()).isEqualTo("[mail.nowhere.example]");
            });
            assertThat(e.description()).contains("1 delivery attempt(s)");
        }
    }

    private HttpResponse<String> http(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.url() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void send(String user, String password, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(harness.instance("isp").port("submission")));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@client.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
        message.setSubject(subject);
        message.setText("body\n");
        Transport.send(message, user, password);
    }
}
