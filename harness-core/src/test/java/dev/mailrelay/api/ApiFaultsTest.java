package dev.mailrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.Json;
import dev.mailrelay.client.MailRelayApiException;
import dev.mailrelay.client.MailRelayClient;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults through the HTTP API, as plain JSON and through {@link MailRelayClient}. */
class ApiFaultsTest {

    private Harness harness;
    private ApiServer api;
    private MailRelayClient client;

    @BeforeEach
    void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mynetworks = 127.0.0.0/8
                """).masterCf("smtp inet n - n - - smtpd")), true);
        api = ApiServer.start(harness, 0);
        client = MailRelayClient.connect(api.url());
    }

    @AfterEach
    void stop() {
        api.close();
        harness.close();
    }

    @Test
    void aFaultPostedAsJsonStrikesAndIsListedRemovedAndCleared() throws Exception {
        HttpResponse<String> posted = http("POST", "api/instances/isp/faults",
                "{\"stage\":\"rcpt\",\"to\":\"bob@.*\",\"reply\":\"450 4.2.0 Mailbox busy\",\"next\":1}");
        assertThat(posted.statusCode()).isEqualTo(201);
        ApiModel.FaultInfo info = Json.mapper().readValue(posted.body(), ApiModel.FaultInfo.class);
        assertThat(info.fault()).isEqualTo("#" + info.id() + " RCPT to=bob@.* reply \"450 4.2.0 Mailbox busy\" next 1");
        assertThat(info.active()).isTrue();

        assertThatThrownBy(() -> send("bob@elsewhere.example")).isInstanceOf(MessagingException.class)
                .hasStackTraceContaining("450 4.2.0 Mailbox busy");
        send("bob@elsewhere.example");   // next 1: the second try gets through
        client.awaitMessages("isp", 1, Duration.ofSeconds(10));

        assertThat(client.faults("isp")).singleElement().satisfies(f -> {
            assertThat(f.injected()).isEqualTo(1);
            assertThat(f.active()).isFalse();
            assertThat(f.spec().to()).isEqualTo("bob@.*");
        });
        assertThat(client.injectedFaults("isp")).extracting(ApiModel.InjectedFaultInfo::stage, ApiModel.InjectedFaultInfo::faultId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("RCPT", info.id()));
        client.removeFault("isp", info.id());
        assertThat(client.faults("isp")).isEmpty();

        client.addFault("isp", new ApiModel.FaultDefinition("connect", null, null, null, null, null, null, false,
                Duration.ofMillis(10), false, false, null, null, null, null));
        client.addFault("isp", new ApiModel.FaultDefinition("command", "NOOP", null, null, null, null, "421 4.3.2 Bye", false,
                null, false, false, null, null, null, null));
        assertThat(client.faults("isp")).extracting(ApiModel.FaultInfo::fault)
                .containsExactly("#2 CONNECT delay 0.01s", "#3 NOOP reply \"421 4.3.2 Bye\"");
        client.clearFaults("isp");
        assertThat(harness.instance("isp").faults().list()).isEmpty();
    }

    @Test
    void aFaultThatCannotBeIs400SayingWhy() throws Exception {
        HttpResponse<String> r = http("POST", "api/instances/isp/faults", "{\"stage\":\"mail\",\"reply\":\"250 Ok\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readValue(r.body(), ApiModel.ApiError.class).error()).isEqualTo(
                "fault on mail: reply \"250 Ok\" is not a 4xx or 5xx SMTP reply line (e.g. \"450 4.2.0 Mailbox busy\")");
        assertThat(http("POST", "api/instances/isp/faults", "{not json").statusCode()).isEqualTo(400);
        assertThatThrownBy(() -> client.removeFault("isp", 99)).isInstanceOf(MailRelayApiException.class)
                .hasMessageContaining("404 no fault 99 at instance isp");
    }

    private HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.url() + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void send(String to) throws MessagingException {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(harness.instance("isp").port("smtp")));
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("alice@client.example"));
        m.setRecipients(MimeMessage.RecipientType.TO, to);
        m.setSubject("api");
        m.setText("body\n");
        Transport.send(m);
    }
}
