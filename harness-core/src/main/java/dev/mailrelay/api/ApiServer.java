package dev.mailrelay.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.faults.FaultSpec;
import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.Json;
import dev.mailrelay.client.MailRelayClient;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * The HTTP control API of a running {@link Harness}, on loopback, with JSON bodies (the documents are
 * in {@link ApiModel} and made by {@link ApiDocuments}; {@link MailRelayClient}, in the artifact
 * {@code mailrelay-client}, is its Java client). The endpoints:
 *
 * <ul>
 *   <li>{@code GET /api/instances} — names, host names and listeners;</li>
 *   <li>{@code GET /api/instances/{name}/messages} — captured messages (envelope, subject, SASL, TLS, time);</li>
 *   <li>{@code GET /api/instances/{name}/messages/{id}} and {@code .../{id}/raw} ({@code message/rfc822});</li>
 *   <li>{@code DELETE /api/instances/{name}/messages} — forgets messages, sessions and delivery attempts;
 *       {@code DELETE .../messages/{id}} forgets that message only (204);</li>
 *   <li>{@code POST /api/instances/{name}/await?count=N&timeout=PT10S} — long-poll: 200 with the messages
 *       once N have arrived, 408 with what did arrive;</li>
 *   <li>{@code GET /api/instances/{name}/deliveries} and
 *       {@code POST /api/instances/{name}/deliveries/await?count=N&timeout=PT10S} — delivery attempts
 *       (408 with those recorded so far);</li>
 *   <li>{@code POST /api/instances/{name}/flush} — deliver queued mail now;</li>
 *   <li>{@code GET /api/instances/{name}/faults} — the injected faults installed; {@code POST} with a
 *       {@link FaultSpec} as JSON installs one (201, or 400 saying what is wrong with it), e.g.
 *       {@code {"stage":"auth","reply":"454 4.7.0 Temporary authentication failure","next":2}};
 *       {@code DELETE} removes them all, {@code DELETE .../faults/{id}} one;
 *       {@code GET .../faults/injected} — the faults that struck, per session.</li>
 * </ul>
 * The same server serves the web UI at its root URL ({@code /}, assets under {@code /ui/}) and the
 * documents it reads ({@link WebModel}): {@code GET /api/overview}, {@code GET /api/messages} (a page,
 * newest first, filtered), {@code GET .../messages/{id}/view}, {@code .../html} (the HTML body under a
 * Content-Security-Policy that allows no script and no remote load), {@code .../attachments/{n}},
 * and {@code GET /api/events}, server-sent events on every capture change ({@link EventStream}).
 * Unknown instances, messages and paths are 404 with a JSON body naming what was not found; a method
 * a resource does not support is 405 with an {@code Allow} header. No response carries a password.
 *
 * <p>Waits hold no thread: a long poll registers a future on the capture's arrival signal and is
 * answered from it (or at its timeout) by the small pool that serves every request. One wait lasts
 * at most {@link #MAX_WAIT} (5 minutes): a longer {@code timeout} is a 400 ({@link MailRelayClient}
 * waits longer by polling again).
 *
 * <p>Only clients that name this server are served, against DNS rebinding and cross-site requests
 * from a browser: a {@code Host} header other than {@code localhost}, {@code 127.0.0.1} or the bound
 * address (IPv6 in brackets), with the bound port, is answered {@code 421 Misdirected Request}; a
 * state-changing request (POST, PUT, DELETE) whose {@code Origin} header is present and not this
 * server ({@code http://} + such a host) is answered {@code 403 Forbidden}. Requests without
 * {@code Origin} (every non-browser client) are served. A state-changing request from a browser
 * (with {@code Origin} or {@code Sec-Fetch-Site}) must also carry the web UI's per-server token in
 * {@code X-Mailrelay-Token}, which only the page served from here knows: 403 without it.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#api-server -->
 * <pre>{@code
 * try (Harness harness = Harness.start(configs, true);
 *      ApiServer api = ApiServer.start(harness, 0)) {
 *     System.out.println("READY api " + api.url());
 * }
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = Maillog.logger("dev.mailrelay.api");
    /** The longest a single await may wait; a longer timeout is a 400. */
    static final Duration MAX_WAIT = ApiModel.MAX_WAIT;
    private static final ObjectMapper JSON = Json.mapper();
    /** Threads serving requests: long polls hold none while they wait, so a few suffice. */
    static final int THREADS = 4;
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
    /** The most of a fault's JSON read: a fault is a few fields. */
    private static final int MAX_FAULT_BODY = 64 * 1024;

    private final Harness harness;
    private final Flusher flusher;
    private final HttpServer server;
    private final ExecutorService executor;
    /** The long polls waiting, cancelled at {@link #close()}. */
    private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();
    /** The web UI's live updates. */
    private final EventStream events;
    /** The web UI's token against cross-site requests: in the page, required on its state changes. */
    private final String token;
    static final String TOKEN_HEADER = "X-Mailrelay-Token";

    private ApiServer(Harness harness, Flusher flusher, HttpServer server, ExecutorService executor) {
        this.harness = harness;
        this.flusher = flusher;
        this.server = server;
        this.executor = executor;
        this.events = new EventStream(harness, executor);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
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
        int bound = server.getAddress().getPort();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "mailrelay-api-" + bound + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ApiServer api = new ApiServer(harness, flusher, server, executor);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        log.info("api: listening on {}; web UI at {}", api.url(), api.url());
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
        events.close();
        waiting.forEach(f -> f.cancel(false));
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        boolean answered = true;
        try {
            answered = route(exchange);
        } catch (NotFound e) {
            send(exchange, 404, new ApiModel.ApiError(404, e.getMessage(), null, null));
        } catch (BadRequest e) {
            send(exchange, 400, new ApiModel.ApiError(400, e.getMessage(), null, null));
        } catch (MethodNotAllowed e) {
            // RFC 9110 15.5.6: a 405 names the methods the resource supports.
            exchange.getResponseHeaders().set("Allow", e.allowed);
            send(exchange, 405, new ApiModel.ApiError(405, e.getMessage(), null, null));
        } catch (Refused e) {
            log.warn("api: refused {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.getMessage());
            send(exchange, e.status, new ApiModel.ApiError(e.status, e.getMessage(), null, null));
        } catch (RuntimeException e) {
            log.warn("api: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            send(exchange, 500, new ApiModel.ApiError(500, e.toString(), null, null));
        } finally {
            if (answered) {
                exchange.close();
            }
        }
    }

    /**
     * Refuses a request that does not name this server (Host) or comes from a foreign page (Origin
     * on a state-changing request); see the class comment.
     */
    private void checkOrigin(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host != null && !isThisServer(host)) {
            throw new Refused(421, "misdirected request: Host " + host + " is not this server (" + url() + ")");
        }
        String origin = ex.getRequestHeaders().getFirst("Origin");
        boolean safe = ex.getRequestMethod().equals("GET") || ex.getRequestMethod().equals("HEAD");
        if (!safe && origin != null && !(origin.regionMatches(true, 0, "http://", 0, 7)
                && isThisServer(origin.substring(7)))) {
            throw new Refused(403, "forbidden: " + ex.getRequestMethod() + " from origin " + origin);
        }
        boolean browser = origin != null || ex.getRequestHeaders().containsKey("Sec-Fetch-Site");
        if (!safe && browser && !isToken(ex.getRequestHeaders().getFirst(TOKEN_HEADER))) {
            throw new Refused(403, "forbidden: " + ex.getRequestMethod() + " from a browser without the web UI's "
                    + TOKEN_HEADER + " header");
        }
    }

    private boolean isToken(String presented) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    /** The web UI's token (tests present it as the page does). */
    String token() {
        return token;
    }

    /** Whether {@code authority} ({@code host:port}) names this server: localhost or the bound address, the bound port. */
    private boolean isThisServer(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || colon < authority.lastIndexOf(']')) {
            return false;   // no port: the API never binds port 80, so a client names its port
        }
        if (!authority.substring(colon + 1).equals(String.valueOf(port()))) {
            return false;
        }
        String host = authority.substring(0, colon).toLowerCase(Locale.ROOT);
        InetAddress bound = server.getAddress().getAddress();
        if (host.equals("localhost") || host.equals(bound.getHostAddress())) {
            return true;
        }
        // An IPv6 literal in brackets, in any of its spellings ([::1], [0:0:0:0:0:0:0:1]).
        if (host.startsWith("[") && host.endsWith("]") && bound instanceof Inet6Address) {
            try {
                return InetAddress.getByName(host.substring(1, host.length() - 1)).equals(bound);
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** Routes one request; false when a long poll will answer it later. */
    private boolean route(HttpExchange ex) throws IOException {
        checkOrigin(ex);
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        String[] parts = segments(path);
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        if (parts.length == 0 || parts[0].equals("ui")) {
            allow(ex, "GET", "HEAD");
            WebAssets.serve(ex, parts, token);
            return true;
        }
        if (parts.length == 2 && parts[0].equals("api") && !parts[1].equals("instances")) {
            return web(ex, parts[1], query);
        }
        if (parts.length < 2 || !parts[0].equals("api") || !parts[1].equals("instances")) {
            throw new NotFound("no such resource: " + path + " (the API is under /api/instances)");
        }
        if (parts.length == 2) {
            allow(ex, "GET");
            send(ex, 200, harness.instances().stream().map(ApiDocuments::instanceInfo).toList());
            return true;
        }
        Instance instance = instance(parts[2]);
        if (parts.length == 3) {
            allow(ex, "GET");
            send(ex, 200, ApiDocuments.instanceInfo(instance));
            return true;
        }
        switch (parts[3]) {
            case "messages" -> messages(ex, method, instance, parts);
            case "await" -> {
                exact(parts, 4, path);
                allow(ex, "POST");
                int count = count(query);
                Duration timeout = timeout(query);
                answerLater(ex, instance.capture().messagesArrived(count), timeout,
                        got -> got.stream().map(ApiDocuments::messageInfo).toList(),
                        () -> new ApiModel.ApiError(408, "expected at least " + count + " message(s) at instance "
                                + instance.name() + " within " + timeout + "; " + instance.capture().describe(),
                                instance.capture().describe(),
                                instance.capture().messages().stream().map(ApiDocuments::messageInfo).toList()));
                return false;
            }
            case "deliveries" -> {
                return deliveries(ex, instance, parts, query, path);
            }
            case "faults" -> faults(ex, method, instance, parts, path);
            case "flush" -> {
                exact(parts, 4, path);
                allow(ex, "POST");
                flusher.flush(instance);
                send(ex, 200, new ApiModel.FlushResult(instance.name(), true));
            }
            default -> throw new NotFound("no such resource: " + path);
        }
        return true;
    }

    private void messages(HttpExchange ex, String method, Instance instance, String[] parts) throws IOException {
        if (parts.length == 4) {
            allow(ex, "GET", "DELETE");
            if (method.equals("DELETE")) {
                instance.capture().reset();
                ex.sendResponseHeaders(204, -1);
                return;
            }
            send(ex, 200, instance.capture().messages().stream().map(ApiDocuments::messageInfo).toList());
            return;
        }
        CapturedMessage m = message(instance, parts[4]);
        if (parts.length == 5) {
            allow(ex, "GET", "DELETE");
            if (method.equals("DELETE")) {
                if (!instance.capture().forget(m.queueId())) {
                    throw new NotFound("no message " + m.queueId() + " at instance " + instance.name());
                }
                ex.sendResponseHeaders(204, -1);
                return;
            }
            send(ex, 200, ApiDocuments.messageDetails(m));
        } else if (parts.length == 6 && parts[5].equals("view")) {
            allow(ex, "GET");
            send(ex, 200, MessageViews.view(harness, instance, m));
        } else if (parts.length == 6 && parts[5].equals("html")) {
            allow(ex, "GET");
            String html = MessageViews.html(m).orElseThrow(() -> new NotFound("message " + m.queueId()
                    + " has no HTML body"));
            byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
            // No script, no remote load, no navigation: mail HTML is hostile (the iframe is sandboxed too).
            ex.getResponseHeaders().set("Content-Security-Policy", WebAssets.MAIL_HTML_POLICY);
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } else if (parts.length == 7 && parts[5].equals("attachments")) {
            allow(ex, "GET");
            int index = index(parts[6]);
            boolean found = MessageViews.attachment(m, index, (filename, type, in) -> {
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.getResponseHeaders().set("Content-Security-Policy", "sandbox");
                ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                ex.getResponseHeaders().set("Content-Disposition", WebAssets.attachment(filename, index));
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    in.transferTo(out);
                }
            });
            if (!found) {
                throw new NotFound("message " + m.queueId() + " has no attachment " + parts[6]);
            }
        } else if (parts.length == 6 && parts[5].equals("raw")) {
            allow(ex, "GET");
            ex.getResponseHeaders().set("Content-Type", "message/rfc822");
            ex.sendResponseHeaders(200, m.size());
            try (OutputStream out = ex.getResponseBody()) {
                m.messageContent().writeTo(out);    // streamed: a large message is never copied whole
            }
        } else {
            throw new NotFound("no such resource: " + ex.getRequestURI().getRawPath());
        }
    }

    /**
     * Answers a long poll when {@code arrival} completes (200) or at {@code timeout} (408), on the
     * request pool; until then the exchange holds no thread.
     */
    private <T> void answerLater(HttpExchange ex, CompletableFuture<T> arrival, Duration timeout,
                                 Function<T, Object> body, Supplier<ApiModel.ApiError> timedOut) {
        waiting.add(arrival);
        arrival.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenCompleteAsync((got, failure) -> {
            waiting.remove(arrival);
            try (ex) {
                if (failure == null) {
                    send(ex, 200, body.apply(got));
                } else if (failure instanceof TimeoutException) {
                    send(ex, 408, timedOut.get());
                }
                // cancelled by close(): the server drops the connection
            } catch (IOException | RuntimeException e) {
                log.debug("api: {} {}: the answer to a long poll was not delivered: {}", ex.getRequestMethod(),
                        ex.getRequestURI(), e.toString());
            }
        }, executor);
    }

    private boolean deliveries(HttpExchange ex, Instance instance, String[] parts, Map<String, String> query,
                               String path) throws IOException {
        if (parts.length == 4) {
            allow(ex, "GET");
            send(ex, 200, instance.capture().deliveries().stream().map(ApiDocuments::deliveryInfo).toList());
            return true;
        } else if (parts.length == 5 && parts[4].equals("await")) {
            allow(ex, "POST");
            int count = count(query);
            Duration timeout = timeout(query);
            answerLater(ex, instance.capture().deliveriesRecorded(count), timeout,
                    got -> got.stream().map(ApiDocuments::deliveryInfo).toList(),
                    () -> new ApiModel.ApiError(408, "expected at least " + count + " delivery attempt(s) at instance "
                            + instance.name() + " within " + timeout + "; " + instance.capture().describe(),
                            instance.capture().describe(), null,
                            instance.capture().deliveries().stream().map(ApiDocuments::deliveryInfo).toList()));
            return false;
        } else {
            throw new NotFound("no such resource: " + path);
        }
    }

    private void faults(HttpExchange ex, String method, Instance instance, String[] parts, String path)
            throws IOException {
        if (parts.length == 4) {
            allow(ex, "GET", "POST", "DELETE");
            switch (method) {
                case "POST" -> {
                    FaultSpec spec;
                    try {
                        spec = ApiDocuments.faultSpec(JSON.readValue(ex.getRequestBody().readNBytes(MAX_FAULT_BODY),
                                ApiModel.FaultDefinition.class));
                    } catch (JsonProcessingException e) {
                        throw new BadRequest("bad fault: " + e.getOriginalMessage());
                    }
                    try {
                        send(ex, 201, ApiDocuments.faultInfo(instance.faults().add(spec)));
                    } catch (IllegalArgumentException e) {
                        throw new BadRequest(e.getMessage());
                    }
                }
                case "DELETE" -> {
                    instance.faults().clear();
                    ex.sendResponseHeaders(204, -1);
                }
                default -> send(ex, 200, instance.faults().list().stream().map(ApiDocuments::faultInfo).toList());
            }
        } else if (parts.length == 5 && parts[4].equals("injected")) {
            allow(ex, "GET");
            send(ex, 200, instance.capture().injectedFaults().stream().map(ApiDocuments::injectedFaultInfo).toList());
        } else if (parts.length == 5) {
            allow(ex, "GET", "DELETE");
            int id;
            try {
                id = Integer.parseInt(parts[4]);
            } catch (NumberFormatException e) {
                throw new NotFound("no such resource: " + path);
            }
            var fault = instance.faults().get(id).orElseThrow(() -> new NotFound("no fault " + id + " at instance "
                    + instance.name()));
            if (method.equals("DELETE")) {
                instance.faults().remove(id);
                ex.sendResponseHeaders(204, -1);
            } else {
                send(ex, 200, ApiDocuments.faultInfo(fault));
            }
        } else {
            throw new NotFound("no such resource: " + path);
        }
    }

    /** The web UI's documents under {@code /api/}: overview, messages (a page) and events. */
    private boolean web(HttpExchange ex, String resource, Map<String, String> query) throws IOException {
        switch (resource) {
            case "overview" -> {
                allow(ex, "GET");
                send(ex, 200, MessageViews.overview(harness));
            }
            case "messages" -> {
                allow(ex, "GET");
                String instance = query.getOrDefault("instance", "");
                if (!instance.isEmpty()) {
                    instance(instance);     // 404 for an unknown one
                }
                int offset = number(query, "offset", 0, Integer.MAX_VALUE);
                int limit = number(query, "limit", 50, MessageViews.PAGE_LIMIT);
                send(ex, 200, MessageViews.page(harness, instance, query.getOrDefault("sender", ""),
                        query.getOrDefault("recipient", ""), query.getOrDefault("subject", ""),
                        query.getOrDefault("login", ""), offset, limit));
            }
            case "events" -> {
                allow(ex, "GET");
                if (!events.open(ex)) {
                    ex.getResponseHeaders().set("Retry-After", "30");
                    throw new Refused(503, "too many event streams: at most " + EventStream.MAX_CLIENTS
                            + " web UI pages get live updates at once; close one and reload");
                }
                return false;   // the stream stays open
            }
            default -> throw new NotFound("no such resource: " + ex.getRequestURI().getRawPath());
        }
        return true;
    }

    private static int number(Map<String, String> query, String name, int dflt, int max) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest("bad " + name + ": " + v + " (an integer from 0 to " + max + ")");
        }
    }

    private static int index(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new NotFound("no attachment " + v);
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

    private static void allow(HttpExchange ex, String... methods) {
        if (!List.of(methods).contains(ex.getRequestMethod())) {
            String allowed = String.join(", ", methods);
            throw new MethodNotAllowed(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
                    + ": method not allowed, use " + allowed, allowed);
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
            if (d.compareTo(MAX_WAIT) > 0) {
                throw new BadRequest("bad timeout: " + t + " (at most " + MAX_WAIT + " per request; poll again)");
            }
            return d;
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
        byte[] bytes = JSON.writeValueAsBytes(body);
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

    private static final class MethodNotAllowed extends RuntimeException {
        final String allowed;

        MethodNotAllowed(String message, String allowed) {
            super(message);
            this.allowed = allowed;
        }
    }

    /** A request from a client that does not name this server, or a foreign page: 421 or 403. */
    private static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
