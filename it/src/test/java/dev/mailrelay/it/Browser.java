package dev.mailrelay.it;

import dev.mailrelay.api.ApiServer;
import dev.mailrelay.master.Harness;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.ScriptTimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through its chromedriver: what the web UI's browser tests open,
 * one per test class (each start costs seconds). Waits wait on the page's own changes (a
 * MutationObserver answering an asynchronous script), never by polling. Screenshots go to
 * {@code target/web-ui/}.
 *
 * <pre>{@code
 * try (Browser b = Browser.openWebUi(harness, profileDir)) {
 *     b.driver().get(b.api().url().toString());
 *     b.awaitText("#live.on", "live");
 * }
 * }</pre>
 */
final class Browser implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final Path SCREENSHOTS = Path.of("target", "web-ui");

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    /** The API server (and web UI) of the harness under test, closed with the browser. */
    private final ApiServer api;

    private Browser(ChromeDriverService service, ChromeDriver driver, ApiServer api) {
        this.service = service;
        this.driver = driver;
        this.api = api;
    }

    /**
     * Serves {@code harness}'s HTTP API and web UI on an ephemeral port and opens a browser for it
     * ({@link #start}); {@link #close()} closes both.
     */
    static Browser openWebUi(Harness harness, Path profile) {
        ApiServer api = ApiServer.start(harness, 0);
        try {
            Browser b = start(profile);
            return new Browser(b.service, b.driver, api);
        } catch (RuntimeException | Error e) {
            api.close();
            throw e;
        }
    }

    /** Starts Chromium with its profile in {@code profile}, at 1280×800; skipped (or failed on CI) without it. */
    static Browser start(Path profile) {
        String chromium = Tools.chromium();
        String chromedriver = Tools.chromedriver();
        // The driver named explicitly: Selenium Manager never downloads anything.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,800");
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
            return new Browser(service, driver, null);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    ChromeDriver driver() {
        return driver;
    }

    /** The API server {@link #openWebUi} started. */
    ApiServer api() {
        return api;
    }

    /**
     * The text of the first element matching {@code css} whose text contains {@code text}, once the page
     * has it (read in the page at once: live updates replace elements, so none is held across them).
     */
    String awaitText(String css, String text) {
        try {
            return (String) driver.executeAsyncScript("""
                    const [css, text, done] = arguments;
                    const find = () => [...document.querySelectorAll(css)].find(e => e.textContent.includes(text));
                    if (find()) { done(find().textContent); return; }
                    const watch = new MutationObserver(() => {
                      if (find()) { watch.disconnect(); done(find().textContent); }
                    });
                    watch.observe(document.documentElement, { childList: true, subtree: true, characterData: true,
                      attributes: true });
                    """, css, text);
        } catch (ScriptTimeoutException e) {
            throw new AssertionError("no " + css + " containing \"" + text + "\" within " + WAIT + "; the page shows:\n"
                    + driver.findElement(By.tagName("body")).getText(), e);
        }
    }

    /** Clicks the element matching {@code css} as it is now (a live update may replace it a moment later). */
    void click(String css) {
        ((WebElement) driver.executeScript("return document.querySelector(arguments[0])", css)).click();
    }

    /** Saves what the window shows as {@code target/web-ui/<name>.png}. */
    void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path png = driver.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            if (api != null) {
                api.close();
            }
        }
    }
}
