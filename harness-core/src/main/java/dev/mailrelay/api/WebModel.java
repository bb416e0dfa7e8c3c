package dev.mailrelay.api;

import dev.mailrelay.client.ApiModel;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;

/**
 * The JSON documents the web UI reads (the page at the API's root URL), beside the API's own in
 * {@link ApiModel}. Like those, none carries a password: transcripts hold the marker smtpd records
 * in place of SASL responses.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#web-model -->
 * <pre>{@code
 * // GET /api/messages?instance=isp&login=alice&offset=0&limit=50   -> MessagePage
 * // GET /api/instances/isp/messages/{id}/view                      -> MessageView
 * HttpResponse<String> r = http.send(HttpRequest.newBuilder(api.url().resolve(
 *         "api/messages?instance=isp&login=alice&offset=0&limit=50")).build(), BodyHandlers.ofString());
 * WebModel.MessagePage page = Json.mapper().readValue(r.body(), WebModel.MessagePage.class);
 * }</pre>
 */
public final class WebModel {

    private WebModel() {
    }

    /**
     * A listener with the settings that decide how a client gets in.
     *
     * @param tlsLevel  {@code smtpd_tls_security_level} with master.cf's {@code -o} overrides
     * @param wrapper   {@code smtpd_tls_wrappermode}: TLS from the first byte (smtps)
     * @param saslAuth  {@code smtpd_sasl_auth_enable}
     * @param saslType  {@code smtpd_sasl_type}
     * @param tlsAuthOnly {@code smtpd_tls_auth_only}: AUTH offered only after STARTTLS
     * @param saslMechanisms    the mechanisms EHLO offers without TLS (empty under {@code tlsAuthOnly}),
     *                          {@code null} when the SASL backend cannot say (Dovecot unreachable)
     * @param saslTlsMechanisms the mechanisms EHLO offers with TLS ({@code smtpd_sasl_tls_security_options}),
     *                          {@code null} likewise
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Listener(String service, String host, int port, String tlsLevel, boolean wrapper, boolean saslAuth,
                           String saslType, boolean tlsAuthOnly, List<String> saslMechanisms,
                           List<String> saslTlsMechanisms) {
    }

    /**
     * An instance card: {@code GET /api/overview}.
     *
     * @param relayhost    {@code relayhost}, empty when mail goes by MX (or nowhere)
     * @param smtpTlsLevel {@code smtp_tls_security_level}: how its SMTP client relays
     * @param smtpSasl     {@code smtp_sasl_auth_enable}
     * @param messages     messages captured
     * @param deliveries   delivery attempts recorded
     * @param deferred     messages waiting in the queue for a retry
     * @param faults       the injected faults installed, in order, with how often each struck (the
     *                     fault toggle; {@code GET /api/instances/{name}/faults} gives the same)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Instance(String name, String myhostname, List<String> hostnames, List<Listener> listeners,
                           String relayhost, String smtpTlsLevel, boolean smtpSasl, int messages, int deliveries,
                           int deferred, List<ApiModel.FaultInfo> faults) {
    }

    /**
     * One page of the message list, newest first: {@code GET /api/messages}.
     *
     * @param total how many messages match the filters (on every page)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MessagePage(int total, int offset, int limit, List<ApiModel.MessageInfo> messages) {
    }

    /** A header line as it is in the message, unfolded. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Header(String name, String value) {
    }

    /**
     * A body part that is not the text or HTML shown: download at {@code .../attachments/{index}}.
     *
     * @param size the encoded size in bytes, -1 when unknown
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Attachment(int index, String filename, String contentType, long size) {
    }

    /**
     * The SMTP session that brought a message, with its transcript (SASL responses are never recorded,
     * a marker stands for them).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Session(long id, String service, String clientAddress, int clientPort, String helo,
                          Instant start, Instant end, List<Exchange> transcript) {
    }

    /** One command ({@code null} for the greeting) and its reply lines. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Exchange(String command, List<String> reply) {
    }

    /**
     * An address rewritten on the way: {@code what} says which and where.
     *
     * @param what e.g. {@code envelope sender (cleanup)}, {@code header From: (relay -> isp)}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rewrite(String what, String before, String after) {
    }

    /**
     * A message still in an instance's queue.
     *
     * @param nextRetry when the deferred message is tried again, {@code null} while being delivered
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Queued(boolean active, int attempts, List<String> recipients, Instant nextRetry) {
    }

    /**
     * One hop of a message's path: the copy one instance accepted and what became of it.
     *
     * @param client     {@code name[address]} of the SMTP client that sent it here
     * @param tls        the TLS of the session that brought it, {@code null} without TLS
     * @param deliveries this instance's delivery attempts of it (next hop, login, TLS, reply)
     * @param queued     its queue state, {@code null} once it left the queue
     * @param selected   whether this is the message the view is about
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hop(String instance, String queueId, String client, String helo, String protocol,
                      String saslMethod, String saslUsername, ApiModel.Tls tls, Instant received,
                      List<Rewrite> rewrites, List<ApiModel.DeliveryInfo> deliveries, Queued queued,
                      boolean selected) {
    }

    /**
     * Everything the message view shows: {@code GET /api/instances/{name}/messages/{id}/view}. The
     * HTML body is at {@code .../html} (served under a Content-Security-Policy that allows no script
     * and no remote load), the raw source at {@code .../raw}.
     *
     * @param text          the text/plain body (at most {@link MessageViews#TEXT_LIMIT} characters), or {@code null}
     * @param textTruncated whether {@code text} was cut at the limit
     * @param html          whether there is an HTML body
     * @param parseError    why the content could not be parsed as MIME, or {@code null}
     * @param session       the session that brought it, {@code null} when it was dropped (retention limit)
     * @param path          the hops across instances, linked by the queue IDs upstreams returned
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MessageView(ApiModel.MessageDetails message, List<Header> headers, String text,
                              boolean textTruncated, boolean html, List<Attachment> attachments, String parseError,
                              Session session, List<Hop> path) {
    }
}
