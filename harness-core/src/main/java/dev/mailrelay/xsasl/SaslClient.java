package dev.mailrelay.xsasl;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The client side of one SASL exchange, shaped like Postfix's xsasl_client API: base64 in and out. The
 * mechanism is chosen as Cyrus' client does: among the server's mechanisms that meet the security
 * options ({@code smtp_sasl_security_options}) and suit the credentials, the strongest by Cyrus' order.
 *
 * <pre>{@code
 * SaslClient sasl = new SaslClient(ClientCredentials.password("test", pw),
 *                                  SecurityOptions.parse(SecurityOptions.CLIENT_DEFAULT), "smtp", "mx.example.com");
 * SaslClient.Start start = sasl.first("PLAIN LOGIN CRAM-MD5");   // CRAM-MD5, no initial response
 * String response = sasl.next(challengeFrom334);
 * }</pre>
 */
public final class SaslClient {
    private final ClientCredentials credentials;
    private final SecurityOptions options;
    private final String service;
    private final String serverFqdn;
    private ClientMechanism.Exchange exchange;

    /** The chosen mechanism and the AUTH command's initial response (base64, {@code "="} if empty, or null). */
    public record Start(String mechanism, String initialResponse) {
    }

    /** A client-side failure with a Cyrus text such as "no mechanism available". */
    public static final class SaslClientException extends Exception {
        SaslClientException(String message) {
            super(message, null, false, false);
        }
    }

    /** A client for one exchange; the security options come parsed, as the SMTP client reads them at start. */
    public SaslClient(ClientCredentials credentials, SecurityOptions securityOptions, String service,
                      String serverFqdn) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.options = Objects.requireNonNull(securityOptions, "securityOptions");
        this.service = service;
        this.serverFqdn = serverFqdn;
    }

    /** Picks a mechanism from the server's space-separated list and starts it. */
    public Start first(String serverMechanismList) throws SaslClientException {
        List<String> offered = Arrays.stream(serverMechanismList.trim().split("\\s+")).toList();
        ClientMechanism chosen = Mechanisms.clients().stream()
                .filter(m -> offered.stream().anyMatch(o -> o.equalsIgnoreCase(m.name())))
                .filter(m -> options.permits(m.flags()) && m.usableWith(credentials))
                .findFirst()
                .orElseThrow(() -> new SaslClientException(CyrusStatus.NOMECH.text()));
        exchange = chosen.newExchange(credentials, service, serverFqdn);
        byte[] initial = exchange.initialResponse();
        return new Start(chosen.name(), initial == null ? null : initial.length == 0 ? "=" : SaslBytes.encode(initial));
    }

    /** Answers a 334 challenge (base64) with a base64 response. */
    public String next(String challenge) throws SaslClientException {
        if (exchange == null) {
            throw new SaslClientException(CyrusStatus.BADPROT.text());
        }
        try {
            // xsasl_cyrus_client_next() decodes first; sasl_client_step() then refuses a step after
            // the plugin's doneflag ("attempting client step after doneflag").
            byte[] decoded = SaslBytes.decode(challenge);
            if (exchange.complete()) {
                throw new SaslClientException(CyrusStatus.FAIL.text());
            }
            return SaslBytes.encode(exchange.evaluate(decoded));
        } catch (SaslFailure e) {
            throw new SaslClientException(e.status().text());
        }
    }

    @Override
    public String toString() {
        return "SaslClient[" + credentials + ", " + options + ", " + service + "/" + serverFqdn + "]";
    }
}
