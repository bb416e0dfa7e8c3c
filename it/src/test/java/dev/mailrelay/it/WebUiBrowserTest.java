package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.mailrelay.api.ApiServer;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The web UI in a real browser: Debian's Chromium, headless, driven through its chromedriver. The
 * default topology (the application submits to {@code relay} with AUTH over STARTTLS, the relay goes
 * on to {@code isp} with its own login over TLS) plus {@code later}, an upstream that takes one
 * connection from loopback at a time, so that a test can make mail wait in the relay's queue.
 *
 * <p>One {@link Browser} serves the class. Screenshots go to {@code target/web-ui/}; {@code docs/web-ui.png}
 * is one of them.
 */
@EnableSaslRelay(defaultTopology = true, instances = {
    @SaslInstance(name = "relay", mainCf = "transport_maps = inline:{ later.example=smtp:[mail.later.example] }"),
    @SaslInstance(name = "later", myhostname = "mail.later.example", tls = "may", mainCf = {
        "mynetworks = 127.0.0.0/8",
        "default_transport = discard",
        "smtpd_client_connection_count_limit = 1",
        "smtpd_client_event_limit_exceptions ="})
})
@Timeout(180)
class WebUiBrowserTest {

    private static final Duration WAIT = Browser.WAIT;

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
    void newMailAppearsLiveAndItsPathShowsBothHopsWithLoginsAndTlsAndItsHtmlCannotRunScript(SaslRelay mail)
            throws Exception {
        browser.get(api.url().toString());
        page.awaitText("#live.on", "live");     // the event stream is open
        browser.executeScript("window.notReloaded = true");

        send(mail, "bob@example.org", "Quarterly report", """
                <html><head><title>mail</title></head><body>
                <p id="greeting">Hello from the report</p>
                <script>document.title = 'pwned'; parent.document.title = 'pwned'; top.scriptRan = true;</script>
                <img src="data:," onerror="document.title = 'pwned'">
                </body></html>""");
        page.awaitText("tr.message[data-instance=isp]", "Quarterly report");
        assertThat(browser.executeScript("return window.notReloaded")).as("the page was not reloaded").isEqualTo(true);
        assertThat(browser.findElements(By.cssSelector("tr.message[data-instance=relay]"))).hasSize(1);
        page.screenshot("list");

        page.click("tr.message[data-instance=isp] a");
        String relayHop = "#path li.hop[data-instance=relay]";
        String ispHop = "#path li.hop.selected[data-instance=isp]";
        assertThat(page.awaitText(relayHop + " .in .sasl", "as " + mail.username())).matches("\\S+ as " + mail.username());
        assertThat(page.awaitText(relayHop + " .in .tls", "TLSv1.")).startsWith("TLSv1.");
        assertThat(page.awaitText(relayHop + " .delivery", "sent"))
                .contains("[mail.isp.example]:submission", "as relay-user", "TLSv1.", "queued as");
        assertThat(page.awaitText(ispHop + " .in .sasl", "as relay-user")).matches("\\S+ as relay-user");
        assertThat(page.awaitText(ispHop + " .in .tls", "TLSv1.")).startsWith("TLSv1.");
        assertThat(page.awaitText("#transcript", "AUTH")).doesNotContain(mail.password());
        assertThat(page.awaitText("#attachments", "q3.csv")).contains("text/csv");

        // The HTML body renders in its sandbox, and its script does not run.
        WebElement frame = browser.findElement(By.cssSelector("iframe.html"));
        assertThat(frame.getAttribute("sandbox")).isEmpty();
        browser.switchTo().frame(frame);
        page.awaitText("#greeting", "Hello from the report");
        assertThat(browser.executeScript("return document.title")).isEqualTo("mail");
        browser.switchTo().defaultContent();
        assertThat(browser.getTitle()).isEqualTo("mailrelay");
        assertThat(browser.executeScript("return window.scriptRan === undefined")).isEqualTo(true);
        page.screenshot("message");
    }

    @Test
    void flushFromThePageDeliversADeferredMessage(SaslRelay mail, @InstanceName("later") RelayInstance later)
            throws Exception {
        RelayInstance relay = mail.instance("relay");
        CapturedMessage queued;
        try (Socket busy = new Socket(InetAddress.getLoopbackAddress(), later.port("smtp"))) {
            // later takes one connection from loopback at a time: the relay's is refused while this is open.
            busy.setSoTimeout((int) WAIT.toMillis());
            assertThat(new BufferedReader(new InputStreamReader(busy.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine()).startsWith("220 ");
            send(mail, "carol@later.example", "Held back", null);
            DeliveryAttempt deferred = relay.capture().awaitDelivery(d -> d.status() == DeliveryAttempt.Status.DEFERRED,
                    WAIT);
            assertThat(deferred.reply()).contains("421 4.7.0", "too many connections");
            queued = relay.capture().messages().stream().filter(m -> m.queueId().equals(deferred.queueId()))
                    .findFirst().orElseThrow();
            int sessions = later.capture().sessions().size();
            browser.get(api.url() + "#/m/relay/" + queued.queueId());
            assertThat(page.awaitText("#path .queued", "next retry")).contains("deferred after 1 attempt(s)");
            page.screenshot("deferred");
            busy.close();
            later.capture().awaitEndedSessions(sessions, WAIT);
        }
        page.click("button[data-flush=relay]");
        assertThat(later.capture().awaitMessage(m -> "Held back".equals(m.subject()), WAIT).recipients())
                .containsExactly("carol@later.example");
        // The page hears of the delivery by itself.
        page.awaitText("#path li.hop[data-instance=later]", "later");
        assertThat(page.awaitText("#path li.hop[data-instance=relay] .deliveries", "sent")).contains("deferred");
    }

    @Test
    void aFaultInstalledFromThePageStrikesTheClientUntilItIsClearedFromThePage(SaslRelay mail) throws Exception {
        RelayInstance relay = mail.instance("relay");
        browser.get(api.url().toString());
        page.awaitText("#live.on", "live");
        String card = "article.card[data-instance=relay]";
        String form = card + " form.fault-form";
        page.click(form + " option[value=auth-454]");
        assertThat(browser.findElement(By.cssSelector(form + " input[name=reply]")).getAttribute("value"))
                .isEqualTo("454 4.7.0 Temporary authentication failure");
        page.click(form + " button[type=submit]");
        assertThat(page.awaitText(card + " li.fault", "AUTH")).contains("AUTH reply \"454 4.7.0 Temporary "
                + "authentication failure\"", "always", "0 hits");
        assertThat(relay.faults().list()).hasSize(1);

        // The application's AUTH gets the injected 454; the page counts the hit by itself.
        assertThatThrownBy(() -> send(mail, "bob@example.org", "Refused", null))
                .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("454 4.7.0");
        page.awaitText(card + " li.fault .hits", "1 hit");
        page.screenshot("faults");

        page.click("button[data-clear-faults=relay]");
        page.awaitText(card + " .faults", "none installed");
        assertThat(relay.faults().list()).isEmpty();
        send(mail, "bob@example.org", "Accepted again", null);
        assertThat(relay.capture().awaitMessage(m -> "Accepted again".equals(m.subject()), WAIT)).isNotNull();
    }

    @Test
    void aCrossSitePageCannotFlushOrDelete(SaslRelay mail) throws Exception {
        // A page of another origin (localhost, another port) that posts a form to the API, as a CSRF does.
        HttpServer evil = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String target = api.url() + "api/instances/relay/flush";
        byte[] form = ("<!DOCTYPE html><form id=f method=post action='" + target + "'></form>"
                + "<script>document.getElementById('f').submit()</script>").getBytes(StandardCharsets.UTF_8);
        evil.createContext("/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(200, form.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(form);
            }
        });
        evil.start();
        try {
            browser.get("http://localhost:" + evil.getAddress().getPort() + "/");
            assertThat(page.awaitText("body", "forbidden"))
                    .contains("\"status\" : 403", "forbidden: POST from origin http://localhost:");
        } finally {
            evil.stop(0);
        }
    }

    /** What an application does: STARTTLS required, AUTH with its login; with {@code html}, multipart/alternative. */
    private static void send(SaslRelay mail, String to, String subject, String html) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", mail.host());
        props.put("mail.smtp.port", String.valueOf(mail.port()));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        props.put("mail.smtp.ssl.socketFactory", mail.entry().sslSocketFactory());
        props.put("mail.smtp.timeout", "10000");
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress("shop@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        if (html == null) {
            m.setText("Thank you.\n");
        } else {
            MimeBodyPart text = new MimeBodyPart();
            text.setText("Hello from the report\n");
            MimeBodyPart rich = new MimeBodyPart();
            rich.setContent(html, "text/html; charset=utf-8");
            MimeBodyPart csv = new MimeBodyPart();
            csv.setContent("region,total\nnorth,12\n", "text/csv; charset=utf-8");
            csv.setFileName("q3.csv");
            MimeBodyPart body = new MimeBodyPart();
            body.setContent(new MimeMultipart("alternative", text, rich));
            m.setContent(new MimeMultipart(body, csv));
        }
        Transport.send(m, mail.username(), mail.password());
    }
}
