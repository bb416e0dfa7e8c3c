package dev.mailrelay.client;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * The Java client of the HTTP control API (the harness's {@code dev.mailrelay.api.ApiServer}), for
 * tests that run outside the harness's JVM — typically failsafe integration tests around
 * {@code mailrelay:start}. It is the artifact {@code dev.mailrelay:mailrelay-client}, which needs
 * only the JDK's {@code java.net.http} and Jackson. Waits are long-polls answered by the server the
 * moment the mail is there.
 *
 * <!-- snippet: it/src/it/readme-failsafe/src/test/java/example/WelcomeMailIT.java#client -->
 * <pre>{@code
 * MailRelayClient mailrelay = MailRelayClient.fromSystemProperties();   // or .connect("http://127.0.0.1:40123/")
 * int port = mailrelay.instance("relay").port("smtp");
 * sendWelcome(port);                                                      // the application under test
 *
 * ApiModel.MessageInfo m = mailrelay.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
 * assertEquals("alice", m.saslUsername());                               // the relay's credentials
 * assertEquals("Welcome", m.subject());
 * byte[] eml = mailrelay.raw("isp", m.id());
 * assertTrue(new String(eml, StandardCharsets.UTF_8).contains("Thank you for signing up."));
 * ApiModel.DeliveryInfo d = mailrelay.awaitDeliveries("relay", 1, Duration.ofSeconds(10)).get(0);
 * assertEquals("sent", d.status());                                      // relayed with TLS + SASL
 * assertEquals("PLAIN", m.saslMethod());
 * mailrelay.reset("isp");                                                 // forget what the ISP captured
 * }</pre>
 */
public final class MailRelayClient {

    /** The system property holding the API's base URL, as {@code mailrelay:start} publishes it. */
    public static final String URL_PROPERTY = "mailrelay.api.url";
    /** The system property naming a {@code mailrelay.properties} file to read the URL from. */
    public static final String PROPERTIES_PROPERTY = "mailrelay.properties";
    /** Where {@code mailrelay:start} writes its properties, relative to the module directory. */
    public static final String DEFAULT_PROPERTIES = "target/mailrelay/mailrelay.properties";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How much longer than the wait itself a long-poll request may take (network, JSON). */
    private static final Duration SLACK = Duration.ofSeconds(10);

    private final URI base;
    private final HttpClient http;

    private MailRelayClient(URI base) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** A client for the API at {@code url}, e.g. {@code http://127.0.0.1:40123/}. */
    public static MailRelayClient connect(String url) {
        return new MailRelayClient(URI.create(url));
    }

    /** A client for the API at {@code url}. */
    public static MailRelayClient connect(URI url) {
        return new MailRelayClient(url);
    }

    /**
     * A client for the API that {@code mailrelay:start} started: the URL is the system property
     * {@code mailrelay.api.url}; without it, the {@code mailrelay.api.url} entry of the file the system
     * property {@code mailrelay.properties} names, else of {@code target/mailrelay/mailrelay.properties}
     * in the working directory (where failsafe runs tests).
     *
     * @throws IllegalStateException when none of these gives a URL
     */
    public static MailRelayClient fromSystemProperties() {
        String url = System.getProperty(URL_PROPERTY);
        if (url != null && !url.isBlank()) {
            return connect(url.strip());
        }
        Path file = Path.of(System.getProperty(PROPERTIES_PROPERTY, DEFAULT_PROPERTIES)).toAbsolutePath();
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            url = p.getProperty(URL_PROPERTY);
            if (url != null && !url.isBlank()) {
                return connect(url.strip());
            }
        }
        throw new IllegalStateException("no mailrelay API URL: set the system property " + URL_PROPERTY
                + " (mailrelay:start publishes it as a project property, e.g. for failsafe's systemPropertyVariables)"
                + " or run where " + file + " exists");
    }

    /** The API's base URL. */
    public URI url() {
        return base;
    }

    /** The running instances with their listeners. */
    public List<ApiModel.InstanceInfo> instances() {
        return get("api/instances", new TypeReference<>() { });
    }

    /** One running instance. */
    public ApiModel.InstanceInfo instance(String name) {
        return get(instancePath(name), new TypeReference<>() { });
    }

    /** The messages the instance captured so far, in arrival order. */
    public List<ApiModel.MessageInfo> messages(String instance) {
        return get(instancePath(instance) + "/messages", new TypeReference<>() { });
    }

    /** One captured message, without its bytes. */
    public ApiModel.MessageDetails message(String instance, String id) {
        return get(instancePath(instance) + "/messages/" + encode(id), new TypeReference<>() { });
    }

    /** The raw bytes of a captured message, as an {@code .eml} file holds them (with the Received header). */
    public byte[] raw(String instance, String id) {
        HttpResponse<byte[]> r = send(request(instancePath(instance) + "/messages/" + encode(id) + "/raw", null)
                .GET().build());
        check(r);
        return r.body();
    }

    /** The delivery attempts of the instance's SMTP client so far. */
    public List<ApiModel.DeliveryInfo> deliveries(String instance) {
        return get(instancePath(instance) + "/deliveries", new TypeReference<>() { });
    }

    /**
     * Waits until at least {@code count} messages have arrived at the instance and returns all of them.
     *
     * @throws MailRelayTimeoutException after {@code timeout}, saying what did arrive
     */
    public List<ApiModel.MessageInfo> awaitMessages(String instance, int count, Duration timeout) {
        return await(instancePath(instance) + "/await", count, timeout, new TypeReference<>() { });
    }

    /**
     * Waits until a message matching {@code condition} has arrived and returns the first such: each
     * long-poll asks for one more message than were there when no match was found.
     *
     * @throws MailRelayTimeoutException after {@code timeout}, saying what did arrive
     */
    public ApiModel.MessageInfo awaitMessage(String instance, Predicate<ApiModel.MessageInfo> condition,
            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int count = 1;
        while (true) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            List<ApiModel.MessageInfo> got;
            try {
                got = awaitMessages(instance, count, left);
            } catch (MailRelayTimeoutException e) {
                throw new MailRelayTimeoutException("expected a matching message at instance " + instance
                        + " within " + timeout + "; " + e.getMessage());
            }
            for (ApiModel.MessageInfo m : got) {
                if (condition.test(m)) {
                    return m;
                }
            }
            count = got.size() + 1;
        }
    }

    /**
     * Waits until at least {@code count} delivery attempts have been recorded and returns all of them.
     *
     * @throws MailRelayTimeoutException after {@code timeout}, saying what was recorded
     */
    public List<ApiModel.DeliveryInfo> awaitDeliveries(String instance, int count, Duration timeout) {
        return await(instancePath(instance) + "/deliveries/await", count, timeout, new TypeReference<>() { });
    }

    /** Asserts that the instance captured no message (so far). */
    public void assertNoMessages(String instance) {
        List<ApiModel.MessageInfo> got = messages(instance);
        if (!got.isEmpty()) {
            throw new AssertionError("expected no message at instance " + instance + " but got " + got);
        }
    }

    /** Forgets the instance's messages, sessions and delivery attempts. */
    public void reset(String instance) {
        HttpResponse<byte[]> r = send(request(instancePath(instance) + "/messages", null).DELETE().build());
        check(r);
    }

    /**
     * Installs a fault at the instance ({@code dev.mailrelay.faults}): from then on its smtpd fails as
     * the fault says.
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#add-fault -->
     * <pre>{@code
     * mailrelay.addFault("isp", new ApiModel.FaultDefinition("auth", null, null, null, null, null,
     *         "454 4.7.0 Temporary authentication failure", false, null, false, false, null, 2, null, null));
     * }</pre>
     *
     * @throws MailRelayApiException 400 naming what is wrong with the fault
     */
    public ApiModel.FaultInfo addFault(String instance, ApiModel.FaultDefinition fault) {
        byte[] body;
        try {
            body = Json.shared().writeValueAsBytes(fault);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpResponse<byte[]> r = send(request(instancePath(instance) + "/faults", null)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        check(r);
        return read(r, new TypeReference<>() { });
    }

    /** The faults installed at the instance, with how often each struck. */
    public List<ApiModel.FaultInfo> faults(String instance) {
        return get(instancePath(instance) + "/faults", new TypeReference<>() { });
    }

    /** The faults that struck the instance's sessions, in order. */
    public List<ApiModel.InjectedFaultInfo> injectedFaults(String instance) {
        return get(instancePath(instance) + "/faults/injected", new TypeReference<>() { });
    }

    /** Removes one fault by its {@link ApiModel.FaultInfo#id()}. */
    public void removeFault(String instance, int id) {
        check(send(request(instancePath(instance) + "/faults/" + id, null).DELETE().build()));
    }

    /** Removes every fault of the instance. */
    public void clearFaults(String instance) {
        check(send(request(instancePath(instance) + "/faults", null).DELETE().build()));
    }

    /** Asks the instance to deliver its queued mail now ({@code postqueue -f}). */
    public void flush(String instance) {
        HttpResponse<byte[]> r = send(request(instancePath(instance) + "/flush", null)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        check(r);
    }

    /** Long-polls, asking again while the server's cap on one wait ({@link ApiModel#MAX_WAIT}) is below what is left. */
    private <T> T await(String path, int count, Duration timeout, TypeReference<T> type) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Duration poll = left.compareTo(ApiModel.MAX_WAIT) > 0 ? ApiModel.MAX_WAIT : left;
            String query = "?count=" + count + "&timeout=" + poll;
            HttpResponse<byte[]> r = send(request(path + query, poll.plus(SLACK))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            if (r.statusCode() == 408 && poll.equals(left)) {
                ApiModel.ApiError e = read(r, new TypeReference<>() { });
                throw new MailRelayTimeoutException(e.error());
            }
            if (r.statusCode() != 408) {
                check(r);
                return read(r, type);
            }
        }
    }

    private <T> T get(String path, TypeReference<T> type) {
        HttpResponse<byte[]> r = send(request(path, null).GET().build());
        check(r);
        return read(r, type);
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout == null ? SLACK.plus(SLACK) : timeout)
                .header("Accept", "application/json");
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("mailrelay API " + request.method() + " " + request.uri() + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }

    private static void check(HttpResponse<byte[]> r) {
        if (r.statusCode() / 100 == 2) {
            return;
        }
        String message;
        try {
            message = Json.shared().readValue(r.body(), ApiModel.ApiError.class).error();
        } catch (IOException | RuntimeException e) {
            message = new String(r.body(), StandardCharsets.UTF_8);
        }
        throw new MailRelayApiException(r.statusCode(), r.request().method() + " " + r.uri() + ": "
                + r.statusCode() + " " + message);
    }

    private static <T> T read(HttpResponse<byte[]> r, TypeReference<T> type) {
        try {
            return Json.shared().readValue(r.body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("mailrelay API " + r.uri() + ": bad JSON: " + e.getMessage(), e);
        }
    }

    private static String instancePath(String name) {
        return "api/instances/" + encode(name);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
