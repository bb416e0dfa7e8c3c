package dev.mailrelay.api;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web UI's files, served from the jar ({@code dev/mailrelay/web/}): {@code /} is
 * {@code index.html} with the server's token in a {@code <meta>} element, {@code /ui/app.js} and
 * {@code /ui/app.css} the rest. Plain HTML, CSS and JavaScript: no build step, no CDN, nothing
 * fetched from anywhere but this server (the page's Content-Security-Policy says so to the browser).
 *
 * <pre>{@code
 * curl http://127.0.0.1:8025/          # the page
 * }</pre>
 */
final class WebAssets {

    private static final String BASE = "/dev/mailrelay/web/";
    private static final Map<String, String> ASSETS = Map.of(
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8");
    /** The page: only its own scripts, styles and frames; it is never framed itself (clickjacking). */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    /** A mail's HTML body: inline styles and data: images at most, in a sandbox, framed only by the page. */
    static final String MAIL_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            + "frame-ancestors 'self'; sandbox";

    private WebAssets() {
    }

    /** Serves {@code /} or {@code /ui/<name>}; 404 for anything else. */
    static void serve(HttpExchange ex, String[] parts, String token) throws IOException {
        byte[] body;
        String type;
        if (parts.length == 0) {
            body = read("index.html").replace("{{token}}", token).getBytes(StandardCharsets.UTF_8);
            type = "text/html; charset=utf-8";
        } else if (parts.length == 2 && ASSETS.containsKey(parts[1])) {
            body = read(parts[1]).getBytes(StandardCharsets.UTF_8);
            type = ASSETS.get(parts[1]);
        } else {
            byte[] missing = ("no such file: " + ex.getRequestURI().getRawPath()).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(404, missing.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(missing);
            }
            return;
        }
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(200, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String read(String name) {
        try (InputStream in = WebAssets.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + BASE + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code Content-Disposition: attachment} with the filename (RFC 6266: ASCII fallback and UTF-8). */
    static String attachment(String filename, int index) {
        String name = filename == null || filename.isBlank() ? "attachment-" + index : filename;
        String ascii = name.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_");
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''"
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
