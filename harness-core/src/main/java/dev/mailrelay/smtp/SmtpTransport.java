package dev.mailrelay.smtp;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.dns.Endpoint;
import dev.mailrelay.dns.VirtualNetwork;
import dev.mailrelay.global.DeliveryRequest;
import dev.mailrelay.global.DeliveryResult.RecipientStatus;
import dev.mailrelay.global.DeliveryResult;
import dev.mailrelay.global.Quote822Local;
import dev.mailrelay.global.ResolveLocal;
import dev.mailrelay.global.Transport;
import dev.mailrelay.tls.SmtpTlsClient;
import dev.mailrelay.tls.SmtpTlsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The SMTP client, Postfix's smtp(8): the delivery agent that ties its parts together, as
 * smtp_connect.c and smtp_proto.c do. For a group of recipients it resolves the next hop through the
 * virtual network ({@link NextHop}), takes a cached connection ({@link ConnectionCache}) or tries
 * each host in turn, speaks TLS as {@code smtp_tls_security_level} demands, logs in
 * ({@link SmtpSasl}), sends envelope and headers through {@code smtp_generic_maps}
 * ({@link GenericMaps}), and reports each recipient's fate with Postfix's texts (smtp_trouble.c).
 * Idle connections are kept for {@code smtp_connection_cache_time_limit} and reused for the same
 * next hop unless sender-dependent authentication is on.
 *
 * <pre>{@code
 * Transport smtp = new SmtpTransport(params, instanceDirectory, network);
 * DeliveryResult r = smtp.deliver(new DeliveryRequest(message, rcpts, "smtp", "[mail.isp.example]:submission"));
 * }</pre>
 */
public final class SmtpTransport implements Transport, AutoCloseable {

    private static final Logger log = Maillog.logger("dev.mailrelay.smtp");

    private final String instance;
    private final VirtualNetwork network;
    private final String heloName;
    private final Duration connectTimeout;
    private final SmtpClientSession.Timeouts timeouts;
    private final SmtpSasl sasl;
    private final SmtpTlsClient tls;
    private final boolean skip5xxGreeting;
    private final GenericMaps generic;
    private final ConnectionCache cache;
    /** The session each message is being delivered over, by queue ID, for {@link #abort}. */
    private final Map<String, SmtpClientSession> delivering = new ConcurrentHashMap<>();

    public SmtpTransport(Parameters params, Path baseDirectory, VirtualNetwork network) {
        this.instance = params.instanceName();
        this.network = network;
        this.heloName = params.get("smtp_helo_name");
        this.connectTimeout = params.time("smtp_connect_timeout");
        this.timeouts = SmtpClientSession.Timeouts.of(params);
        String recipientDelimiter = params.get("recipient_delimiter");
        ResolveLocal local = new ResolveLocal(params, baseDirectory);
        this.sasl = new SmtpSasl(params, baseDirectory, recipientDelimiter, local::findsLocalPart);
        // The resolver hands relayhost on per message as text; this agent is the one that parses it.
        params.parsed("relayhost", NextHop::parseList);
        this.tls = SmtpTlsClient.from(params, baseDirectory);
        this.skip5xxGreeting = params.bool("smtp_skip_5xx_greeting");
        this.generic = new GenericMaps(params, baseDirectory, recipientDelimiter, local::findsLocalPart);
        this.cache = new ConnectionCache(params.bool("smtp_connection_cache_on_demand") && !sasl.senderDependent()
                ? params.time("smtp_connection_cache_time_limit") : Duration.ZERO);
    }

    @Override
    public DeliveryResult deliver(DeliveryRequest request) {
        CapturedMessage m = request.message();
        String sender = generic.address(m.sender());
        String lastReason = "no next-hop destination";
        String lastDsn = "4.4.3";
        SmtpReply lastReply = null;
        SmtpClientSession last = null;
        for (NextHop hop : NextHop.parseList(request.nextHop())) {
            List<Endpoint> endpoints;
            try {
                endpoints = network.resolve(hop.host(), hop.port(), hop.mxLookup());
            } catch (VirtualNetwork.NotFoundException e) {
                lastReason = e.getMessage();
                lastDsn = "4.4.3";
                lastReply = null;
                last = null;
                continue;
            }
            for (Endpoint endpoint : endpoints) {
                SmtpClientSession session = null;
                try {
                    session = cache.take(hop.destination());
                    if (session == null) {
                        session = SmtpClientSession.connect(endpoint, connectTimeout, timeouts);
                        handshake(session, hop, endpoint);
                    }
                    delivering.put(m.queueId(), session);
                    if (session.saslUsername == null) {
                        sasl.login(session, m.sender(), hop);
                    }
                    DeliveryResult result = transaction(session, request, sender);
                    cache.release(hop.destination(), session);
                    return result;
                } catch (Refusal r) {
                    if (session.isOpen()) {
                        session.quit();
                    }
                    if (r.finalForMessage) {
                        return all(request, session.endpoint.toString(), sender, r.status, r.dsn, r.getMessage(),
                                session, r.reply);
                    }
                    lastReason = r.getMessage();
                    lastDsn = r.dsn;
                    lastReply = r.reply;
                    last = session;
                } catch (SmtpClientSession.SmtpClientException e) {
                    if (session != null) {
                        session.close();
                    }
                    lastReason = e.getMessage();
                    lastDsn = e.dsn;
                    lastReply = null;
                    last = session;
                } finally {
                    if (session != null) {
                        delivering.remove(m.queueId(), session);
                    }
                }
            }
        }
        // smtp_trouble.c: the log's relay= is the session that failed last (its TLS included), "none"
        // when no connection was made (the last failure was a lookup or a connect).
        return all(request, last == null ? "none" : last.endpoint.toString(), sender, Status.DEFERRED, lastDsn,
                lastReason, last, lastReply);
    }

    /** The greeting, EHLO and STARTTLS of a new connection; on failure the connection is closed. */
    private void handshake(SmtpClientSession session, NextHop hop, Endpoint endpoint)
            throws SmtpClientSession.SmtpClientException, Refusal {
        SmtpTlsClient.Peer peer = new SmtpTlsClient.Peer(hop.host(), endpoint.name(),
                endpoint.address().getHostAddress(), endpoint.nominalPort());
        try {
            if (tls.wrapperMode()) {
                startTls(session, peer);
            }
            SmtpReply greeting = session.greeting();
            if (!greeting.positive()) {
                String refused = "host " + session.namaddr() + " refused to talk to me: " + greeting;
                if (greeting.dsn().startsWith("5") && !skip5xxGreeting) {
                    // smtp_skip_5xx_greeting = no: smtp_proto.c keeps the 5xx, so the mail bounces.
                    throw new Refusal(refused, Status.BOUNCED, greeting.dsn(), true, greeting);
                }
                // smtp_skip_5xx_greeting = yes (the default): smtp_proto.c turns a 5xx greeting into a
                // 4xx, so the next host is tried and the mail is deferred, never bounced.
                throw new Refusal(refused, Status.DEFERRED, "4" + greeting.dsn().substring(1), false, greeting);
            }
            ehlo(session);
            if (!tls.wrapperMode() && tls.startTlsAfterEhlo(session.featureKeywords(), peer)) {
                SmtpReply reply = session.command("STARTTLS", "receiving the STARTTLS response");
                if (reply.positive()) {
                    startTls(session, peer);
                    ehlo(session);
                } else {
                    tls.starttlsRefused(reply.toString(), peer);
                }
            }
        } catch (SmtpTlsException e) {
            session.close();
            if (e.detail() != null) {
                // tls_client.c logs the cause (tls_log_verify_error) apart from the status text.
                log.info("{}/smtp: {}", instance, e.detail());
            }
            throw new Refusal(e.reason(), Status.DEFERRED, "4" + e.dsn().substring(1), false);
        } catch (Refusal | SmtpClientSession.SmtpClientException e) {
            session.close();
            throw e;
        }
    }

    private void ehlo(SmtpClientSession session) throws SmtpClientSession.SmtpClientException, Refusal {
        SmtpReply ehlo = session.ehlo(heloName);
        if (!ehlo.positive()) {
            throw new Refusal("host " + session.namaddr() + " refused to talk to me: " + ehlo, Status.DEFERRED,
                    "4" + ehlo.dsn().substring(1), false, ehlo);
        }
    }

    private void startTls(SmtpClientSession session, SmtpTlsClient.Peer peer) throws SmtpTlsException {
        SmtpTlsClient.Session s = tls.handshake(session.socket(), peer);
        try {
            session.upgrade(s.socket(), s.tlsInfo());
        } catch (java.io.IOException e) {
            throw new SmtpTlsException("4.7.5", "Cannot start TLS: handshake failure", e.getMessage(), false);
        }
        log.info("{}/smtp: {}", instance, s.logLine(peer));
    }

    private DeliveryResult transaction(SmtpClientSession s, DeliveryRequest request, String sender)
            throws SmtpClientSession.SmtpClientException {
        CapturedMessage m = request.message();
        MessageContent content = generic.headers(m.messageContent());
        long limit = s.sizeLimit();
        if (limit > 0 && content.size() > limit) {
            return all(request, s.endpoint.toString(), sender, Status.BOUNCED, "5.3.4", "message size "
                    + content.size() + " exceeds size limit " + limit + " of server " + s.namaddr(), s, null);
        }
        String size = s.hasFeature("SIZE") ? " SIZE=" + content.size() : "";
        SmtpReply mail = s.command("MAIL FROM:<" + quoteAddress(sender) + ">" + size, "sending MAIL FROM");
        if (!mail.positive()) {
            resetQuietly(s);
            return all(request, s.endpoint.toString(), sender, failure(mail),
                    mail.dsn(), said(s, mail, "MAIL FROM"), s, mail);
        }
        List<RecipientStatus> statuses = new ArrayList<>();
        List<Integer> accepted = new ArrayList<>();
        for (String rcpt : request.recipients()) {
            String sentAs = generic.address(rcpt);
            SmtpReply r = s.command("RCPT TO:<" + quoteAddress(sentAs) + ">", "sending RCPT TO");
            if (r.positive()) {
                accepted.add(statuses.size());
                statuses.add(null);
            } else {
                statuses.add(new RecipientStatus(rcpt, sentAs, failure(r), r.dsn(), said(s, r, "RCPT TO"),
                        s.endpoint.name(), r.toString()));
            }
        }
        if (accepted.isEmpty()) {
            resetQuietly(s);
            return result(statuses, s, sender);
        }
        SmtpReply data = s.command("DATA", "sending DATA command");
        SmtpReply end = data.intermediate() ? s.data(content) : data;
        String stage = data.intermediate() ? "end of DATA" : "DATA";
        for (int i : accepted) {
            String rcpt = request.recipients().get(i);
            statuses.set(i, end.positive()
                    ? new RecipientStatus(rcpt, generic.address(rcpt), Status.SENT, end.dsn(), end.toString(),
                    s.endpoint.name(), end.toString())
                    : new RecipientStatus(rcpt, generic.address(rcpt), failure(end), end.dsn(), said(s, end, stage),
                    s.endpoint.name(), end.toString()));
        }
        return result(statuses, s, sender);
    }

    /**
     * RSET after a refused transaction: the server's verdicts stand even if the connection is lost
     * now; a lost connection is just not kept for reuse.
     */
    private static void resetQuietly(SmtpClientSession s) {
        try {
            s.command("RSET", "sending final RSET");
        } catch (SmtpClientSession.SmtpClientException e) {
            s.close();
        }
    }

    private static Status failure(SmtpReply r) {
        return r.transientFailure() ? Status.DEFERRED : Status.BOUNCED;
    }

    private static String said(SmtpClientSession s, SmtpReply r, String command) {
        return "host " + s.namaddr() + " said: " + r + " (in reply to " + command + " command)";
    }

    private static DeliveryResult result(List<RecipientStatus> statuses, SmtpClientSession s, String sender) {
        return new DeliveryResult(statuses, s.endpoint.toString(), sender, s.saslMethod, s.saslUsername, s.tls);
    }

    /**
     * The same outcome for every recipient; {@code reply}: the server's reply that decided it (smtp_trouble.c
     * gives such a DSN the remote MTA and the reply as its diagnostic), or {@code null} for a local verdict.
     */
    private DeliveryResult all(DeliveryRequest request, String relay, String sender, Status status, String dsn,
                               String reason, SmtpClientSession s, SmtpReply reply) {
        String mta = reply == null ? null : s.endpoint.name();
        String text = reply == null ? null : reply.toString();
        return new DeliveryResult(request.recipients().stream()
                .map(r -> new RecipientStatus(r, generic.address(r), status, dsn, reason, mta, text)).toList(), relay,
                sender,
                s == null ? null : s.saslMethod, s == null ? null : s.saslUsername, s == null ? null : s.tls);
    }

    /**
     * Closes the connection the message is being delivered over. Postfix's postsuper -d leaves a
     * running delivery to finish; a harness that deletes queued mail between tests ends it, so that
     * neither the message nor the outcome of its attempt shows up later (a stalled upstream would hold
     * it for smtp_data_done_timeout).
     */
    @Override
    public void abort(String queueId) {
        SmtpClientSession session = delivering.get(queueId);
        if (session != null) {
            session.close();
        }
    }

    /** Closes cached connections. */
    @Override
    public void close() {
        cache.close();
    }

    @Override
    public String toString() {
        return "SmtpTransport[" + instance + "]";
    }

    /** smtp_proto.c's QUOTE_ADDRESS(): the null sender stays {@code <>}, any other address is quoted. */
    private static String quoteAddress(String address) {
        return address.isEmpty() ? address : Quote822Local.quote(address);
    }
}
