package dev.mailrelay.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The JSON documents of the HTTP control API, shared by the harness's API server (which writes them)
 * and {@link MailRelayClient} (which reads them). None carries a password: SASL logins and mechanisms
 * only, as Postfix logs them.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#api-model -->
 * <pre>{@code
 * ApiModel.MessageInfo m = client.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
 * assertEquals("PLAIN", m.saslMethod());
 * }</pre>
 */
public final class ApiModel {

    /** The longest one wait request may wait; the server answers a longer timeout with 400 (the client asks again). */
    public static final Duration MAX_WAIT = Duration.ofMinutes(5);

    private ApiModel() {
    }

    /** One bound smtpd listener of an instance. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ListenerInfo(String service, String host, int port) {
    }

    /**
     * A running instance: {@code GET /api/instances}.
     *
     * @param name       the instance name
     * @param myhostname the instance's {@code myhostname}
     * @param hostnames  its {@code mailrelay_hostnames}
     * @param listeners  its bound listeners in master.cf order
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record InstanceInfo(String name, String myhostname, List<String> hostnames, List<ListenerInfo> listeners) {

        /** The port of a listener by master.cf service name, or by the part after {@code host:}. */
        public int port(String service) {
            for (ListenerInfo l : listeners) {
                if (l.service().equals(service) || l.service().endsWith(":" + service)) {
                    return l.port();
                }
            }
            throw new IllegalArgumentException("instance " + name + " has no listener " + service + "; it has " + listeners);
        }
    }

    /** The TLS state of a session, as Postfix logs it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tls(String protocol, String cipher, boolean clientCertificatePresented) {
    }

    /**
     * A captured message without its content: {@code GET /api/instances/{name}/messages}.
     *
     * @param id           the queue ID
     * @param from         the envelope sender, empty for the null sender
     * @param to           the envelope recipients
     * @param subject      the decoded Subject, or {@code null}
     * @param saslMethod   the SASL mechanism used, or {@code null}
     * @param saslUsername the SASL login, or {@code null}
     * @param tlsProtocol  the TLS protocol, or {@code null} without TLS
     * @param protocol     {@code ESMTPA} and so on, as in the Received header
     * @param received     when the message was queued
     * @param size         the content size in bytes
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MessageInfo(String id, String instance, String from, List<String> to, String subject,
                              String saslMethod, String saslUsername, String tlsProtocol, String protocol,
                              Instant received, long size) {
    }

    /**
     * One captured message with everything but its bytes: {@code GET /api/instances/{name}/messages/{id}}
     * (the bytes are at {@code .../{id}/raw}).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MessageDetails(String id, String instance, String from, List<String> to, String subject,
                                 String clientName, String clientAddress, String helo, String protocol,
                                 String saslMethod, String saslUsername, String saslSender, Tls tls,
                                 String receivedHeader, Instant received, long size) {
    }

    /**
     * One delivery attempt of a relay: {@code GET /api/instances/{name}/deliveries}.
     *
     * @param status {@code sent}, {@code deferred} or {@code bounced}
     * @param reply  the upstream reply or the reason, as in the log line's parentheses
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DeliveryInfo(String queueId, String instance, String from, List<String> to, String transport,
                               String nextHop, String relay, String saslMethod, String saslUsername, Tls tls,
                               String status, String dsn, String reply, Duration delay, Instant time) {
    }

    /**
     * An error: 404 for an unknown instance, message or path, 400 for a bad request, 405 for a method
     * the resource does not support, 408 for a wait that ran out ({@code description} then says what
     * did arrive, as {@code Capture.describe()}, and {@code messages} or {@code deliveries} list it).
     * Members without a value are left out of the JSON.
     *
     * @param deliveries the delivery attempts recorded so far, for a 408 of {@code deliveries/await}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ApiError(int status, String error, String description, List<MessageInfo> messages,
                           List<DeliveryInfo> deliveries) {

        /** An error about messages (or with no listing at all). */
        public ApiError(int status, String error, String description, List<MessageInfo> messages) {
            this(status, error, description, messages, null);
        }
    }

    /**
     * One installed fault ({@code GET/POST /api/instances/{name}/faults}).
     *
     * @param id       its number, for {@code DELETE .../faults/{id}}
     * @param fault    as logs and transcripts name it
     * @param spec     the fault as posted
     * @param injected how many times it struck
     * @param active   whether it may strike again
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FaultInfo(int id, String fault, FaultDefinition spec, int injected, boolean active) {
    }

    /**
     * One fault as posted to {@code POST /api/instances/{name}/faults}: the JSON form of the harness's
     * {@code dev.mailrelay.faults.FaultSpec}, field for field. Where: {@code stage} (connect, command,
     * auth, mail, rcpt, data) and its filters; what: exactly one of {@code reply}, {@code disconnect},
     * {@code delay}, {@code handshakeFailure}, {@code refuse}, {@code certificate}; when: until cleared, or the {@code next} N times, each
     * with {@code probability} drawn from {@code seed}.
     *
     * @param stage            connect, command, auth, mail, rcpt or data, any case
     * @param command          the command verb for the command stage (EHLO, STARTTLS, DATA, QUIT, ...)
     * @param mechanism        auth: only this SASL mechanism
     * @param login            auth: only logins matching this regular expression
     * @param from             mail, rcpt, data: only senders matching this regular expression
     * @param to               rcpt, data: only when a recipient matches this regular expression
     * @param reply            the reply to send instead, {@code 4xx} or {@code 5xx} with its text
     * @param disconnect       close the connection instead of replying
     * @param delay            wait this long, then go on
     * @param handshakeFailure STARTTLS: answer {@code 220}, then close instead of the handshake (a
     *                         wrapper-mode service: close right after connect)
     * @param refuse           connect: close the instance's listeners until the fault is removed
     * @param certificate      STARTTLS: serve a certificate with this flaw, {@code wrong-name} or {@code expired}
     *                         (also at a wrapper-mode service's handshake right after connect)
     * @param next             strike only the next N times; {@code null}: until cleared
     * @param probability      strike each time with this probability; {@code null}: always
     * @param seed             the seed of the probability's random sequence
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FaultDefinition(String stage, String command, String mechanism, String login, String from,
                                  String to, String reply, boolean disconnect, Duration delay,
                                  boolean handshakeFailure, boolean refuse, String certificate, Integer next,
                                  Double probability, Long seed) {
    }

    /**
     * A fault that struck one session ({@code GET /api/instances/{name}/faults/injected}).
     *
     * @param session the session it struck
     * @param stage   where: CONNECT, a command verb, AUTH, MAIL, RCPT, END-OF-MESSAGE
     * @param faultId the fault's number within the instance
     * @param fault   the fault as logs name it
     * @param at      when it struck
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record InjectedFaultInfo(long session, String stage, int faultId, String fault, Instant at) {
    }

    /** The answer to {@code POST /api/instances/{name}/flush}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FlushResult(String instance, boolean flushed) {
    }
}
