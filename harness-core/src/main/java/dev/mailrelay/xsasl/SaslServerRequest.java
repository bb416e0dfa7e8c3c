package dev.mailrelay.xsasl;

import java.util.Objects;

/**
 * What smtpd tells the SASL implementation about a new session (Postfix's XSASL_SERVER_CREATE_ARGS).
 * The security options arrive parsed: smtpd parses them once, when the service starts.
 *
 * <pre>{@code
 * new SaslServerRequest("smtp", "mx.example.com", "", SecurityOptions.parse("noanonymous"), false,
 *         "192.0.2.1", "127.0.0.1");
 * }</pre>
 *
 * @param service          the SASL service name, {@code smtp}
 * @param serverFqdn       {@code myhostname}
 * @param userRealm        {@code smtpd_sasl_local_domain} (expanded), empty for none
 * @param securityOptions  {@code smtpd_sasl_security_options}, or {@code smtpd_sasl_tls_security_options}
 *                         once TLS is active
 * @param tlsActive        whether the session is encrypted (for Dovecot's {@code secured})
 * @param clientAddress    the client IP address, for logging (Dovecot's {@code rip})
 * @param serverAddress    the local IP address the client connected to (Dovecot's {@code lip}), empty if unknown
 */
public record SaslServerRequest(String service, String serverFqdn, String userRealm,
                                SecurityOptions securityOptions, boolean tlsActive, String clientAddress,
                                String serverAddress) {

    public SaslServerRequest {
        Objects.requireNonNull(securityOptions, "securityOptions");
    }

    /** A request without the server address. */
    public SaslServerRequest(String service, String serverFqdn, String userRealm,
                             SecurityOptions securityOptions, boolean tlsActive, String clientAddress) {
        this(service, serverFqdn, userRealm, securityOptions, tlsActive, clientAddress, "");
    }
}
