package dev.mailrelay.xsasl;

import java.util.List;

/**
 * The server side of one SMTP session's SASL exchange, shaped like Postfix's xsasl_server API so
 * that every backend (the built-in Cyrus-compatible one, Dovecot, saslauthd) serves smtpd the same
 * way. Challenges and responses cross this interface base64-encoded, exactly as they appear on the
 * wire; decoding errors are the backend's to report, as in Postfix.
 *
 * <pre>{@code
 * SaslServer sasl = impl.newServer(request);
 * SaslResult r = sasl.first("PLAIN", "AHRlc3QAdGVzdHBhc3M=");
 * while (r.status() == SaslResult.Status.MORE) {
 *     r = sasl.next(readResponseLine());   // r.text() is the base64 challenge for "334 "
 * }
 * }</pre>
 */
public interface SaslServer {

    /** The mechanisms this session may offer, already filtered by the security options, in EHLO order. */
    List<String> mechanisms();

    /**
     * Starts an exchange. {@code initialResponse} is the AUTH command's second argument as sent
     * (base64, or {@code "="} for an empty one), or {@code null} when there was none.
     */
    SaslResult first(String mechanism, String initialResponse);

    /** Continues an exchange with the client's base64 response line (never {@code "*"}: smtpd handles cancel). */
    SaslResult next(String response);

    /** The authenticated (canonical) user name after {@link SaslResult.Status#DONE}, else {@code null}. */
    String username();
}
