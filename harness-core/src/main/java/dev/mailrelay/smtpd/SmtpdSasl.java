package dev.mailrelay.smtpd;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.xsasl.SaslResult;
import dev.mailrelay.xsasl.SaslServer;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * The AUTH command and the SASL state of one session (Postfix's smtpd_sasl_proto.c and
 * smtpd_sasl_glue.c): the mechanism list for EHLO, the challenge/response loop with its replies,
 * the {@code AUTH=} parameter of MAIL FROM, and what gets logged. Responses are never logged or
 * recorded in the transcript.
 */
final class SmtpdSasl {

    private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");

    /** What the transcript shows instead of a SASL response or initial response. */
    static final String HIDDEN_RESPONSE = "<SASL response hidden>";

    private final SmtpdSession session;
    private SaslServer server;
    private String method;
    private String username;
    private String mailAuthParameter;

    SmtpdSasl(SmtpdSession session) {
        this.session = session;
    }

    /**
     * Postfix's smtpd_sasl_is_active(): SASL is on, and, under smtpd_tls_auth_only (implied by
     * smtpd_tls_security_level = encrypt), TLS is active.
     */
    boolean enabled() {
        return session.settings.sasl != null && (session.tlsActive() || !session.settings.tls.authOnly());
    }

    /**
     * After the TLS handshake Postfix deactivates SASL and activates it anew with
     * smtpd_sasl_tls_security_options: a login made before STARTTLS is forgotten.
     */
    void tlsStarted() {
        server = null;
        method = null;
        username = null;
        mailAuthParameter = null;
    }

    String method() {
        return method;
    }

    String username() {
        return username;
    }

    String mailAuthParameter() {
        return mailAuthParameter;
    }

    /** The {@code AUTH=} address of MAIL FROM ({@code <>} means none, as in Postfix). */
    void setMailAuthParameter(String value) {
        this.mailAuthParameter = value == null || value.equals("<>") ? null : value;
    }

    /** The mechanisms for the EHLO reply; none for smtpd_sasl_exceptions_networks clients. */
    List<String> offeredMechanisms() {
        if (!enabled() || session.settings.saslExceptionsNetworks.matches(session.clientAddress())) {
            return List.of();
        }
        return server().mechanisms();
    }

    /** {@code , sasl_method=PLAIN, sasl_username=login} for the queue ID log line. */
    String logSuffix() {
        if (username == null) {
            return "";
        }
        return ", sasl_method=" + method + ", sasl_username=" + username
                + (mailAuthParameter == null ? "" : ", sasl_sender=" + mailAuthParameter);
    }

    /**
     * {@code AUTH PLAIN dGVzdA==} becomes {@code AUTH PLAIN <SASL response hidden>}; a "mechanism"
     * that is no mechanism name (a client that sent its credentials in its place) is hidden too.
     */
    static String redact(String command) {
        // Split as smtpd splits the command: "AUTH<TAB>PLAIN<TAB>response" hides its response too.
        String[] words = SmtpdToken.strip(command).split("\\s+");   // \s is ISSPACE()'s [ \t\n\x0B\f\r]
        if (words.length < 2) {
            return SmtpdToken.strip(command);
        }
        String mechanism = printableMechanism(words[1]);
        return words[0] + " " + mechanism + (words.length > 2 ? " " + HIDDEN_RESPONSE : "");
    }

    /**
     * The mechanism as it may be logged: RFC 4422 names are 1 to 20 of A-Z, 0-9, - and _; anything
     * else may be a secret sent in the wrong place (or log junk), and is not repeated.
     */
    static String printableMechanism(String mechanism) {
        return mechanism.matches("[A-Za-z0-9_-]{1,20}") ? mechanism : "<invalid mechanism name hidden>";
    }

    private SaslServer server() {
        if (server == null) {
            server = session.settings.newSaslServer(session.tlsActive(), session.clientAddress().getHostAddress(),
                    session.serverAddress().getHostAddress());
        }
        return server;
    }

    static boolean auth(SmtpdSession session, String arg) throws IOException {
        return session.sasl.auth(arg);
    }

    private boolean auth(String arg) throws IOException {
        SmtpdSettings s = session.settings;
        if (s.authRateLimit > 0 && session.limitedByAnvil()) {
            // smtpd.c's smtpd_sasl_auth_cmd_wrapper(): every AUTH command counts, before anything else.
            String address = session.clientAddress().getHostAddress();
            int rate = s.anvil.auth(address);
            if (rate > s.authRateLimit) {
                log.warn("{}/smtpd[{}]: warning: AUTH command rate limit exceeded: {} from {} for service {}",
                        s.instance, session.id(), rate, session.clientNameAddress(), s.service);
                session.reply("450 4.7.1 Error: too many AUTH commands from " + address);
                return false;
            }
        }
        // smtpd_sasl_auth_cmd()'s order.
        if (s.heloRequired && session.helo() == null) {
            session.reply("503 5.5.1 Error: send HELO/EHLO first");
            return false;
        }
        if (!enabled()) {
            session.reply("503 5.5.1 Error: authentication not enabled");
            return false;
        }
        if (session.inTransaction()) {
            session.reply("503 5.5.1 Error: MAIL transaction in progress");
            return false;
        }
        if (username != null) {
            session.reply("503 5.5.1 Error: already authenticated");
            return false;
        }
        // smtpd_sasl_auth_cmd(): the mechanism and the initial response are tokens (any white space between).
        List<String> words = SmtpdToken.words(arg);
        if (words.size() < 1 || words.size() > 2) {
            session.reply("501 5.5.4 Syntax: AUTH mechanism");
            return false;
        }
        String mechanism = words.get(0).toUpperCase(Locale.ROOT);
        SaslResult result = server().first(mechanism, words.size() == 2 ? words.get(1) : null);
        while (result.status() == SaslResult.Status.MORE) {
            session.reply("334 " + result.text());
            session.stream.flush();
            SmtpdStream.RawLine line = session.stream.readLine(s.saslResponseLimit);
            session.endSaslExchange();
            if (line == null) {
                throw new IOException("lost connection in AUTH");
            }
            // Postfix's smtpd_chat_query_limit(): a line that reaches the limit is refused whole.
            if (line.length() >= s.saslResponseLimit) {
                log.warn("{}/smtpd[{}]: {}: request longer than {}", s.instance, session.id(),
                        session.clientNameAddress(), s.saslResponseLimit);
                reset();
                session.reply("500 5.5.6 SASL response limit exceeded");
                return false;
            }
            // As smtp_get() leaves it (only CR LF removed): sasl_decode64() judges any white space.
            String response = new String(line.bytes(), java.nio.charset.StandardCharsets.US_ASCII);
            if (response.equals("*")) {
                log.warn("{}/smtpd[{}]: {}: SASL {} authentication aborted", s.instance, session.id(),
                        session.clientNameAddress(), printableMechanism(mechanism));
                reset();
                session.reply("501 5.7.0 Authentication aborted");
                return false;
            }
            result = server.next(response);
        }
        if (session.faults.auth(mechanism, server.username()) != SmtpdFaults.Verdict.PROCEED) {
            reset();
            return false;
        }
        switch (result.status()) {
            case DONE:
                method = mechanism;
                username = server.username();
                session.reply("235 2.7.0 Authentication successful");
                return true;
            case TEMP:
                result = withReason(result);
                logFailure(mechanism, result.text());
                reset();
                session.reply("454 4.7.0 Temporary authentication failure: " + result.text());
                return false;
            default:
                result = withReason(result);
                logFailure(mechanism, result.text());
                reset();
                session.reply("535 5.7.8 Error: authentication failed: " + result.text());
                return false;
        }
    }

    /** Postfix's smtpd_sasl_authenticate(): an empty reason is shown as "(reason unavailable)". */
    private void logFailure(String mechanism, String reason) {
        String user = server.username();
        log.warn("{}/smtpd[{}]: {}: SASL {} authentication failed: {}, sasl_username={}", session.settings.instance,
                session.id(), session.clientNameAddress(), printableMechanism(mechanism), reason,
                user == null ? "(unavailable)" : user);
    }

    private static SaslResult withReason(SaslResult result) {
        return result.text() == null || result.text().isEmpty()
                ? new SaslResult(result.status(), "(reason unavailable)") : result;
    }

    /** A failed or aborted exchange starts over with a fresh server, as Postfix does. */
    private void reset() {
        server = null;
    }
}
