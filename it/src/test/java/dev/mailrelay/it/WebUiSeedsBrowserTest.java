package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailrelay.api.ApiServer;
import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The web UI on the seeds' topologies, in the same {@link Browser} as {@link WebUiBrowserTest}: SOHO_README's
 * relay with per-sender credentials ({@code smtp_sender_dependent_authentication}, a sender-keyed
 * {@code smtp_sasl_password_maps}, {@code sender_dependent_relayhost_maps}) in front of an ISP configured
 * as SASL_README configures a server (no plaintext mechanism without TLS), and 10,000 captured messages.
 */
@EnableSaslRelay(instances = {
    @SaslInstance(name = "relay", myhostname = "soho.example.com",
        mainCf = {
            "smtp_sender_dependent_authentication = yes",
            "sender_dependent_relayhost_maps = texthash:sender_relay",
            "smtp_sasl_auth_enable = yes",
            "smtp_tls_security_level = encrypt",
            "smtp_sasl_tls_security_options = noanonymous",
            "smtp_sasl_password_maps = texthash:sasl_passwd",
            "relayhost = [mail.isp.example]"},
        tables = {
            @SaslInstance.Table(name = "sasl_passwd", lines = {
                "user1@example.com               username1:password1",
                "[mail.isp.example]              username:password"}),
            @SaslInstance.Table(name = "sender_relay", lines = {
                "user1@example.com               [mail.example.com]:submission"})}),
    @SaslInstance(name = "isp", myhostname = "mail.isp.example", users = "username=password", tls = "may",
        mainCf = {
            "smtpd_sasl_security_options = noanonymous, noplaintext",
            "smtpd_sasl_tls_security_options = noanonymous",
            "broken_sasl_auth_clients = yes",
            "smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination",
            "default_transport = discard"}),
    @SaslInstance(name = "example-com", myhostname = "mail.example.com", users = "username1=password1",
        mechanisms = {"PLAIN", "LOGIN"}, tls = "may", masterCf = "submission inet n - n - - smtpd",
        mainCf = "default_transport = discard")
})
@Timeout(180)
class WebUiSeedsBrowserTest {

    private static ApiServer api;
    private static Browser page;
    private static ChromeDriver browser;

    @BeforeAll
    static void open(SaslRelay mail, @TempDir Path profile) {
        page = Browser.openWebUi(mail.harness(), profile);
        browser = page.driver();
        api = page.api();
    }

    @AfterAll
    static void close() {
        if (page != null) {
            page.close();   // and the API server
        }
    }

    @Test
    void eachHopOfTheSohoRelayShowsItsSendersOwnLoginAndOneMessageIsDeletedFromThePage(
            @InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp,
            @InstanceName("example-com") RelayInstance exampleCom) throws Exception {
        send(relay, "user1@example.com", "from user1");
        send(relay, "someone@soho.example.com", "from someone else");
        CapturedMessage atExampleCom = exampleCom.capture().awaitMessage(m -> "from user1".equals(m.subject()),
                Browser.WAIT);
        CapturedMessage atIsp = isp.capture().awaitMessage(m -> "from someone else".equals(m.subject()),
                Browser.WAIT);

        browser.get(api.url() + "#/m/example-com/" + atExampleCom.queueId());
        assertThat(page.awaitText("#path li.hop[data-instance=relay] .delivery", "sent"))
                .contains("[mail.example.com]:submission", "as username1", "TLSv1.", "queued as "
                        + atExampleCom.queueId());
        assertThat(page.awaitText("#path li.hop.selected[data-instance=example-com] .in .sasl", "as "))
                .matches("(PLAIN|LOGIN) as username1");
        assertThat(page.awaitText("#path li.hop[data-instance=example-com] .in .tls", "TLSv1.")).startsWith("TLSv1.");
        page.screenshot("soho-per-sender");

        browser.get(api.url() + "#/m/isp/" + atIsp.queueId());     // the same page: the view follows the hash
        assertThat(page.awaitText("#path li.hop.selected[data-instance=isp] .in .sasl", "as "))
                .matches("\\S+ as username");
        assertThat(page.awaitText("#path li.hop[data-instance=relay] .delivery", "[mail.isp.example]"))
                .contains("sent", "as username ", "TLSv1.", "queued as " + atIsp.queueId())
                .doesNotContain("username1");
        // SASL_README's server: no plaintext mechanism without TLS, PLAIN and LOGIN with it.
        String mechanisms = page.awaitText("article.card[data-instance=isp] .listener .sasl", "with TLS:");
        String withoutTls = mechanisms.substring(0, mechanisms.indexOf("; with TLS:"));
        String withTls = mechanisms.substring(mechanisms.indexOf("; with TLS:"));
        assertThat(withoutTls).contains("CRAM-MD5").doesNotContain(" PLAIN", " LOGIN", "ANONYMOUS");
        assertThat(withTls).contains(" PLAIN", " LOGIN").doesNotContain("ANONYMOUS");
        assertThat(page.awaitText("article.card[data-instance=example-com] .listener .sasl", "PLAIN"))
                .isEqualTo("SASL (cyrus) PLAIN LOGIN");
        // discard(8) delivered it: one of each, in the singular.
        assertThat(page.awaitText("article.card[data-instance=isp] .counts", "1 delivery attempt"))
                .isEqualTo("1 message · 1 delivery attempt · 0 deferred");

        // Delete the ISP's copy from its view: the page's token goes with it, the others stay.
        page.awaitText("#range", "of 4");     // each message at the relay and upstream
        page.click("#delete-message");
        browser.switchTo().alert().accept();
        page.awaitText("#range", "of 3");
        page.awaitText("#message[hidden]", "");     // back to the list
        assertThat(isp.capture().messages()).isEmpty();
        assertThat(exampleCom.capture().messages()).hasSize(1);
        assertThat(browser.findElement(By.id("message")).isDisplayed()).as("no error about the deleted message").isFalse();
    }

    @Test
    void tenThousandCapturedMessagesLoadOnePageOfFifty(SaslRelay mail, @InstanceName("isp") RelayInstance isp)
            throws Exception {
        // Recorded as smtpd records them, without 10,000 SMTP sessions: the list is what is measured.
        Capture capture = isp.capture();
        Instant start = Instant.now();
        for (int k = 0; k < 10_000; k++) {
            capture.record(new CapturedMessage(String.format("B%09X", k), "isp", "bulk@example.com",
                    List.of("to" + k + "@example.org"), "localhost", "127.0.0.1", "localhost", "ESMTPA", "PLAIN",
                    "username", null, null, "Received: from localhost\r\n", start.plusMillis(k),
                    ("Subject: bulk " + k + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII)));
        }
        HttpResponse<String> first = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                api.url().resolve("api/messages?instance=isp")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode page1 = new ObjectMapper().readTree(first.body());
        assertThat(page1.get("total").asInt()).isEqualTo(10_000);
        assertThat(page1.get("messages")).hasSize(50);
        assertThat(page1.get("messages").get(0).get("subject").asText()).isEqualTo("bulk 9999");

        browser.get(api.url().toString());
        page.awaitText("#range", "1–50 of 10000");
        assertThat(browser.findElements(By.cssSelector("#messages tbody tr"))).hasSize(50);
        assertThat(page.awaitText("#messages tbody tr:first-child", "bulk")).contains("bulk 9999");
        page.screenshot("ten-thousand");
    }

    /** From mynetworks, as SOHO_README's users do: no AUTH at the relay. */
    private static void send(RelayInstance relay, String from, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", relay.host());
        props.put("mail.smtp.port", String.valueOf(relay.port()));
        props.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress(from));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("friend@example.org"));
        message.setSubject(subject);
        message.setText("hello\n");
        Transport.send(message);
    }
}
