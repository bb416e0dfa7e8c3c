package dev.mailrelay.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayApiException;
import dev.mailrelay.client.Json;
import dev.mailrelay.client.MailRelayClient;
import dev.mailrelay.client.MailRelayTimeoutException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.TheApplication;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The examples in the Javadoc of {@code dev.mailrelay.api}, as they are printed there. */
class ApiExamplesTest {

    private static final List<InstanceConfig> ISP = List.of(InstanceConfig.named("isp").mainCf("""
            smtpd_sasl_auth_enable = yes
            mailrelay_sasl_users = inline:{ alice=secret }
            default_transport = discard
            """));

    @Test
    void apiServer() {
        List<InstanceConfig> configs = ISP;
        // tag::api-server[]
        try (Harness harness = Harness.start(configs, true);
             ApiServer api = ApiServer.start(harness, 0)) {
            System.out.println("READY api " + api.url());
        }
        // end::api-server[]
    }

    @Test
    void flusherApiModelAndException() throws Exception {
        try (Harness harness = Harness.start(ISP, true)) {
            // tag::flusher[]
            ApiServer api = ApiServer.start(harness, instance -> instance.flush(), 0);
            // end::flusher[]
            try (api) {
                MailRelayClient client = MailRelayClient.connect(api.url());
                TheApplication.send(client.instance("isp").port("smtp"), "alice", "secret", "Hello");
                // tag::api-model[]
                ApiModel.MessageInfo m = client.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
                assertEquals("PLAIN", m.saslMethod());
                // end::api-model[]
                // tag::api-exception[]
                MailRelayApiException e = assertThrows(MailRelayApiException.class,
                        () -> client.message("isp", "NOSUCHID"));
                assertEquals(404, e.status());
                // end::api-exception[]
                // tag::timeout[]
                assertThrows(MailRelayTimeoutException.class,
                        () -> client.awaitMessages("isp", 2, Duration.ofMillis(200)));
                // end::timeout[]
                MailRelayClient mailrelay = client;
                // tag::add-fault[]
                mailrelay.addFault("isp", new ApiModel.FaultDefinition("auth", null, null, null, null, null,
                        "454 4.7.0 Temporary authentication failure", false, null, false, false, null, 2, null, null));
                // end::add-fault[]
                assertEquals(1, mailrelay.faults("isp").size());
            }
        }
    }

    @Test
    void json() throws Exception {
        // tag::json[]
        ObjectMapper json = Json.mapper();
        byte[] body = json.writeValueAsBytes(new ApiModel.FlushResult("relay", true));
        // end::json[]
        assertEquals("relay", json.readValue(body, ApiModel.FlushResult.class).instance());
    }

    @Test
    void documentsAndWebModel() throws Exception {
        try (Harness harness = Harness.start(ISP, true); ApiServer api = ApiServer.start(harness, 0)) {
            Instance instance = harness.instance("isp");
            TheApplication.send(instance.port("smtp"), "alice", "secret", "Hello");
            instance.capture().awaitMessages(1, Duration.ofSeconds(10));
            // tag::api-documents[]
            ApiModel.MessageInfo info = ApiDocuments.messageInfo(instance.capture().messages().get(0));
            // end::api-documents[]
            assertEquals("alice", info.saslUsername());
            HttpClient http = HttpClient.newHttpClient();
            // tag::web-model[]
            // GET /api/messages?instance=isp&login=alice&offset=0&limit=50   -> MessagePage
            // GET /api/instances/isp/messages/{id}/view                      -> MessageView
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(api.url().resolve(
                    "api/messages?instance=isp&login=alice&offset=0&limit=50")).build(), BodyHandlers.ofString());
            WebModel.MessagePage page = Json.mapper().readValue(r.body(), WebModel.MessagePage.class);
            // end::web-model[]
            assertEquals(1, page.total());
        }
    }
}
