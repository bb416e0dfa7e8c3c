package dev.mailrelay.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mailrelay.capture.CaptureTimeoutException;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP control API of a running {@link Harness}, on loopback, with JSON bodies (the documents are
 * in {@link ApiModel}; {@link MailRelayClient} is its Java client). The endpoints:
 *
 * <ul>
 *   <li>{@code GET /api/instances} — names, host names and listeners;</li>
 *   <li>{@code GET /api/instances/{name}/messages} — captured messages (envelope, subject, SASL, TLS, time);</li>
 *   <li>{@code GET /api/instances/{name}/messages/{id}} and {@code .../{id}/raw} ({@code message/rfc822});</li>
 *   <li>{@code DELETE /api/instances/{name}/messages} — forgets messages, sessions and delivery attempts;</li>
 *   <li>{@code POST /api/instances/{name}/await?count=N&timeout=PT10S} — long-poll: 200 with the messages
 *       once N have arrived, 408 with what did arrive;</li>
 *   <li>{@code GET /api/instances/{name}/deliveries} and
 *       {@code POST /api/instances/{name}/deliveries/await?count=N&timeout=PT10S} — delivery attempts;</li>
 *   <li>{@code POST /api/instances/{name}/flush} — deliver queued mail now.</li>
 * </ul>
 * Unknown instances, messages and paths are 404 with a JSON body naming what was not found. Waits
 * block on the capture's condition, never poll. No response carries a password.
 *
 * <pre>{@code
 * try (Harness harness = Harness.start(configs, true);
 *      ApiServer api = ApiServer.start(harness, 0)) {
 *     System.out.println("READY api " + api.url());
 * }
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("dev.mailrelay.api");
    /** The longest a single await may block; longer timeouts are cut to this. */
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final Harness harness;
    private final Flusher flusher;
    private final HttpServer server;
    private final ExecutorService executor;

    private ApiServer(Harness harness, Flusher flusher, HttpServer server, ExecutorService executor) {
        this.harness = harness;
        this.flusher = flusher;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves the API for {@code harness} on 127.0.0.1 as the standalone runner and the Maven plugin do:
     * {@code POST .../flush} is {@link Instance#flush()}.
     *
     * @param port the port, 0 for an ephemeral one
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static ApiServer start(Harness harness, int port) {
        return start(harness, Instance::flush, port);
    }

    /**
     * Serves the API for {@code harness} on 127.0.0.1.
     *
     * @param flusher what {@code POST .../flush} does
     * @param port    the port, 0 for an ephemeral one
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static ApiServer start(Harness harness, Flusher flusher, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("api: cannot bind 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mailrelay-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ApiServer api = new ApiServer(harness, flusher, server, executor);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        log.info("api: listening on {}", api.url());
        return api;
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URL, {@code http://127.0.0.1:<port>/}. */
    public URI url() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + "/");
    }

    /** Stops serving; waits (boundedly) for no exchange, since long-polls are cut off anyway. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (NotFound e) {
                send(exchange, 404, new ApiModel.ApiError(404, e.getMessage(), null, null));
            } catch (BadRequest e) {
                send(exchange, 400, new ApiModel.ApiError(400, e.getMessage(), null, null));
            } catch (RuntimeException e) {
                log.warn("api: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                send(exchange, 500, new ApiModel.ApiError(500, e.toString(), null, null));
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        String[] parts = segments(path);
        if (parts.length < 2 || !parts[0].equals("api") || !parts[1].equals("instances")) {
            throw new NotFound("no such resource: " + path + " (the API is under /api/instances)");
        }
        if (parts.length == 2) {
            allow(ex, "GET");
            send(ex, 200, harness.instances().stream().map(ApiModel::instanceInfo).toList());
            return;
        }
        Instance instance = instance(parts[2]);
        if (parts.length == 3) {
            allow(ex, "GET");
            send(ex, 200, ApiModel.instanceInfo(instance));
            return;
        }
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        switch (parts[3]) {
            case "messages" -> messages(ex, method, instance, parts);
            case "await" -> {
                exact(parts, 4, path);
                allow(ex, "POST");
                awaitMessages(ex, instance, count(query), timeout(query));
            }
            case "deliveries" -> deliveries(ex, instance, parts, query, path);
            case "flush" -> {
                exact(parts, 4, path);
                allow(ex, "POST");
                flusher.flush(instance);
                send(ex, 200, new ApiModel.FlushResult(instance.name(), true));
            }
            default -> throw new NotFound("no such resource: " + path);
        }
    }

    private void messages(HttpExchange ex, String method, Instance instance, String[] parts) throws IOException {
        if (parts.length == 4) {
            if (method.equals("DELETE")) {
                instance.capture().reset();
                ex.sendResponseHeaders(204, -1);
                return;
            }
            allow(ex, "GET");
            send(ex, 200, instance.capture().messages().stream().map(ApiModel.MessageInfo::of).toList());
            return;
        }
        CapturedMessage m = message(instance, parts[4]);
        if (parts.length == 5) {
            allow(ex, "GET");
            send(ex, 200, ApiModel.MessageDetails.of(m));
        } else if (parts.length == 6 && parts[5].equals("raw")) {
            allow(ex, "GET");
            byte[] content = m.content();
            ex.getResponseHeaders().set("Content-Type", "message/rfc822");
            ex.sendResponseHeaders(200, content.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(content);
            }
        } else {
            throw new NotFound("no such resource: " + ex.getRequestURI().getRawPath());
        }
    }

    private void awaitMessages(HttpExchange ex, Instance instance, int count, Duration timeout) throws IOException {
        try {
            List<CapturedMessage> got = instance.capture().awaitMessages(count, timeout);
            send(ex, 200, got.stream().map(ApiModel.MessageInfo::of).toList());
        } catch (CaptureTimeoutException e) {
            send(ex, 408, new ApiModel.ApiError(408, e.getMessage(), instance.capture().describe(),
                    instance.capture().messages().stream().map(ApiModel.MessageInfo::of).toList()));
        }
    }

    private void deliveries(HttpExchange ex, Instance instance, String[] parts, Map<String, String> query, String path)
            throws IOException {
        if (parts.length == 4) {
            allow(ex, "GET");
            send(ex, 200, instance.capture().deliveries().stream().map(ApiModel.DeliveryInfo::of).toList());
        } else if (parts.length == 5 && parts[4].equals("await")) {
            allow(ex, "POST");
            try {
                send(ex, 200, instance.capture().awaitDeliveries(count(query), timeout(query)).stream()
                        .map(ApiModel.DeliveryInfo::of).toList());
            } catch (CaptureTimeoutException e) {
                send(ex, 408, new ApiModel.ApiError(408, e.getMessage(), instance.capture().describe(), null));
            }
        } else {
            throw new NotFound("no such resource: " + path);
        }
    }

    private Instance instance(String name) {
        for (Instance i : harness.instances()) {
            if (i.name().equals(name)) {
                return i;
            }
        }
        throw new NotFound("no instance named " + name + "; running: "
                + harness.instances().stream().map(Instance::name).toList());
    }

    private static CapturedMessage message(Instance instance, String id) {
        Optional<CapturedMessage> m = instance.capture().messages().stream()
                .filter(c -> c.queueId().equals(id)).findFirst();
        return m.orElseThrow(() -> new NotFound("no message " + id + " at instance " + instance.name()));
    }

    private static void exact(String[] parts, int length, String path) {
        if (parts.length != length) {
            throw new NotFound("no such resource: " + path);
        }
    }

    private static void allow(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            throw new BadRequest(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
                    + ": method not allowed, use " + method);
        }
    }

    private static int count(Map<String, String> query) {
        String c = query.getOrDefault("count", "1");
        try {
            int n = Integer.parseInt(c);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest("bad count: " + c + " (a non-negative integer)");
        }
    }

    private static Duration timeout(Map<String, String> query) {
        String t = query.get("timeout");
        if (t == null) {
            return DEFAULT_WAIT;
        }
        try {
            Duration d = Duration.parse(t);
            if (d.isNegative()) {
                throw new BadRequest("bad timeout: " + t + " (negative)");
            }
            return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
        } catch (DateTimeParseException e) {
            throw new BadRequest("bad timeout: " + t + " (an ISO-8601 duration such as PT10S)");
        }
    }

    private static String[] segments(String rawPath) {
        String p = rawPath.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) {
            return new String[0];
        }
        String[] parts = p.split("/+");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = URLDecoder.decode(parts[i], StandardCharsets.UTF_8);
        }
        return parts;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
