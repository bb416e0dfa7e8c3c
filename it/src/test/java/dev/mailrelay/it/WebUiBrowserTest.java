package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mailrelay.api.ApiServer;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.ScriptTimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web UI in a real browser: Debian's Chromium, headless, driven through its chromedriver. The
 * default topology (the application submits to {@code relay} with AUTH over STARTTLS, the relay goes
 * on to {@code isp} with its own login over TLS) plus {@code later}, an upstream that takes one
 * connection from loopback at a time, so that a test can make mail wait in the relay's queue.
 *
 * <p>Waits wait on the page's own changes (a MutationObserver answering an asynchronous script), never
 * by polling. Screenshots go to {@code target/web-ui/}; {@code docs/web-ui.png} is one of them.
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

    private static final Duration WAIT = Duration.ofSeconds(30);
    static final Path SCREENSHOTS = Path.of("target", "web-ui");

    private ApiServer api;
    private ChromeDriverService service;
    private ChromeDriver browser;

    @BeforeEach
    void open(SaslRelay mail, @TempDir Path profile) {
        String chromium = Tools.chromium();
        String chromedriver = Tools.chromedriver();
        api = ApiServer.start(mail.harness(), 0);
        // The driver named explicitly: Selenium Manager never downloads anything.
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(chromedriver)).usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,800");
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void newMailAppearsLiveAndItsPathShowsBothHopsWithLoginsAndTlsAndItsHtmlCannotRunScript(SaslRelay mail)
            throws Exception {
        browser.get(api.url().toString());
        awaitText("#live.on", "live");     // the event stream is open
        browser.executeScript("window.notReloaded = true");

        send(mail, "bob@example.org", "Quarterly report", """
                <html><head><title>mail</title></head><body>
                <p id="greeting">Hello from the report</p>
                <script>document.title = 'pwned'; parent.document.title = 'pwned'; top.scriptRan = true;</script>
                <img src="data:," onerror="document.title = 'pwned'">
                </body></html>""");
        awaitText("tr.message[data-instance=isp]", "Quarterly report");
        assertThat(browser.executeScript("return window.notReloaded")).as("the page was not reloaded").isEqualTo(true);
        assertThat(browser.findElements(By.cssSelector("tr.message[data-instance=relay]"))).hasSize(1);
        screenshot("list");

        click("tr.message[data-instance=isp] a");
        String relayHop = "#path li.hop[data-instance=relay]";
        String ispHop = "#path li.hop.selected[data-instance=isp]";
        assertThat(awaitText(relayHop + " .in .sasl", "as " + mail.username())).matches("\\S+ as " + mail.username());
        assertThat(awaitText(relayHop + " .in .tls", "TLSv1.")).startsWith("TLSv1.");
        assertThat(awaitText(relayHop + " .delivery", "sent"))
                .contains("[mail.isp.example]:submission", "as relay-user", "TLSv1.", "queued as");
        assertThat(awaitText(ispHop + " .in .sasl", "as relay-user")).matches("\\S+ as relay-user");
        assertThat(awaitText(ispHop + " .in .tls", "TLSv1.")).startsWith("TLSv1.");
        assertThat(awaitText("#transcript", "AUTH")).doesNotContain(mail.password());
        assertThat(awaitText("#attachments", "q3.csv")).contains("text/csv");

        // The HTML body renders in its sandbox, and its script does not run.
        WebElement frame = browser.findElement(By.cssSelector("iframe.html"));
        assertThat(frame.getAttribute("sandbox")).isEmpty();
        browser.switchTo().frame(frame);
        awaitText("#greeting", "Hello from the report");
        assertThat(browser.executeScript("return document.title")).isEqualTo("mail");
        browser.switchTo().defaultContent();
        assertThat(browser.getTitle()).isEqualTo("mailrelay");
        assertThat(browser.executeScript("return window.scriptRan === undefined")).isEqualTo(true);
        screenshot("message");
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
            assertThat(awaitText("#path .queued", "next retry")).contains("deferred after 1 attempt(s)");
            screenshot("deferred");
            busy.close();
            later.capture().awaitEndedSessions(sessions, WAIT);
        }
        click("button[data-flush=relay]");
        assertThat(later.capture().awaitMessage(m -> "Held back".equals(m.subject()), WAIT).recipients())
                .containsExactly("carol@later.example");
        // The page hears of the delivery by itself.
        awaitText("#path li.hop[data-instance=later]", "later");
        assertThat(awaitText("#path li.hop[data-instance=relay] .deliveries", "sent")).contains("deferred");
    }

    @Test
    void aCrossSitePageCannotFlushOrDelete(SaslRelay mail) throws Exception {
        // A page of another origin (localhost, another port) that posts a form to the API, as a CSRF does.
        HttpServer evil = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String target = api.url() + "api/instances/relay/flush";
        byte[] page = ("<!DOCTYPE html><form id=f method=post action='" + target + "'></form>"
                + "<script>document.getElementById('f').submit()</script>").getBytes(StandardCharsets.UTF_8);
        evil.createContext("/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(200, page.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(page);
            }
        });
        evil.start();
        try {
            browser.get("http://localhost:" + evil.getAddress().getPort() + "/");
            assertThat(awaitText("body", "forbidden"))
                    .contains("\"status\" : 403", "forbidden: POST from origin http://localhost:");
        } finally {
            evil.stop(0);
        }
    }

    /**
     * The text of the first element matching {@code css} whose text contains {@code text}, once the page
     * has it (read in the page at once: live updates replace elements, so none is held across them).
     */
    private String awaitText(String css, String text) {
        try {
            return (String) browser.executeAsyncScript("""
                    const [css, text, done] = arguments;
                    const find = () => [...document.querySelectorAll(css)].find(e => e.textContent.includes(text));
                    if (find()) { done(find().textContent); return; }
                    const watch = new MutationObserver(() => {
                      if (find()) { watch.disconnect(); done(find().textContent); }
                    });
                    watch.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
                    """, css, text);
        } catch (ScriptTimeoutException e) {
            throw new AssertionError("no " + css + " containing \"" + text + "\" within " + WAIT + "; the page shows:\n"
                    + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    /** Clicks the element matching {@code css} as it is now (a live update may replace it a moment later). */
    private void click(String css) {
        ((WebElement) browser.executeScript("return document.querySelector(arguments[0])", css)).click();
    }

    private void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path png = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
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
