package dev.mailrelay.smtp;

import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.tables.Tables;
import dev.mailrelay.xsasl.ClientCredentials;
import dev.mailrelay.xsasl.MechanismFilter;
import dev.mailrelay.xsasl.ScramSecrets;
import dev.mailrelay.xsasl.SaslClient;
import dev.mailrelay.xsasl.SecurityOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The SMTP client's SASL login, Postfix's smtp_sasl_glue.c and smtp_sasl_proto.c: only with
 * {@code smtp_sasl_auth_enable}, when the server offers AUTH and {@code smtp_sasl_password_maps}
 * has credentials (sender, host, then destination; see {@link SaslPasswords}); the offered
 * mechanisms pass {@code smtp_sasl_mechanism_filter}, Cyrus' client picks one under
 * {@code smtp_sasl_security_options} ({@code smtp_sasl_tls_security_options} once TLS is up), and a
 * refused login defers, or bounces unless {@code smtp_sasl_auth_soft_bounce}.
 */
final class SmtpSasl {

    private final boolean enabled;
    private final boolean senderDependent;
    private final SaslPasswords passwords;
    private final SecurityOptions securityOptions;
    private final SecurityOptions tlsSecurityOptions;
    private final MechanismFilter mechanismFilter;
    private final boolean softBounce;
    /** SCRAM SaltedPasswords of this client's logins: a server with a stable salt costs one PBKDF2. */
    private final ScramSecrets scramSecrets = new ScramSecrets();

    SmtpSasl(Parameters params, Path baseDirectory, String recipientDelimiter, Predicate<String> isLocalDomain) {
        this.enabled = params.bool("smtp_sasl_auth_enable");
        this.senderDependent = params.bool("smtp_sender_dependent_authentication");
        this.passwords = new SaslPasswords(params.parsed("smtp_sasl_password_maps",
                v -> Tables.openList(v, baseDirectory)), senderDependent, recipientDelimiter, isLocalDomain);
        this.securityOptions = params.parsed("smtp_sasl_security_options", SecurityOptions::parse);
        this.tlsSecurityOptions = params.parsed("smtp_sasl_tls_security_options", SecurityOptions::parse);
        this.mechanismFilter = params.parsed("smtp_sasl_mechanism_filter",
                v -> MechanismFilter.parse(v, "smtp_sasl_mechanism_filter"));
        this.softBounce = params.bool("smtp_sasl_auth_soft_bounce");
    }

    /** {@code smtp_sender_dependent_authentication}: the login depends on the sender, not only the host. */
    boolean senderDependent() {
        return senderDependent;
    }

    /**
     * Logs in when enabled, offered and credentials are found; otherwise the mail goes without AUTH.
     * On success the session carries the mechanism and login.
     */
    void login(SmtpClientSession session, String sender, NextHop hop)
            throws SmtpClientSession.SmtpClientException, Refusal {
        // smtp_sasl_helo_auth(): an AUTH keyword counts even when its list is empty or filtered empty.
        if (!enabled || !session.hasFeature("AUTH")) {
            return;
        }
        Optional<SaslPasswords.Credentials> creds = passwords.lookup(sender, session.endpoint.name(),
                hop.destination());
        if (creds.isEmpty()) {
            return;
        }
        String filtered = Arrays.stream(session.authMechanisms().strip().split("\\s+"))
                .filter(m -> !m.isEmpty() && mechanismFilter.allows(m)).collect(Collectors.joining(" "));
        if (filtered.isEmpty()) {
            // smtp_sasl_helo_login(): credentials but no mechanism left to start the client with.
            Arrays.fill(creds.get().password(), '\0');
            throw new Refusal("SASL authentication failed: server " + session.namaddr()
                    + " offered no compatible authentication mechanisms for this type of connection security",
                    Status.DEFERRED, "4.7.0", false);
        }
        ClientCredentials credentials = ClientCredentials.password(creds.get().username(), creds.get().password(),
                scramSecrets);
        try {
            // Once TLS is up, smtp_sasl_tls_security_options replace smtp_sasl_security_options.
            SaslClient client = new SaslClient(credentials, session.tls != null ? tlsSecurityOptions
                    : securityOptions, "smtp", session.endpoint.name());
            SaslClient.Start start;
            try {
                start = client.first(filtered);
            } catch (SaslClient.SaslClientException e) {
                throw new Refusal("SASL authentication failed; cannot authenticate to server " + session.namaddr()
                        + ": " + e.getMessage(), Status.DEFERRED, "4.7.0", false);
            }
            SmtpReply reply = session.command("AUTH " + start.mechanism()
                    + (start.initialResponse() == null ? "" : " " + start.initialResponse()), "sending AUTH");
            while (reply.intermediate()) {
                String response;
                try {
                    response = client.next(reply.lines().get(0));
                } catch (SaslClient.SaslClientException e) {
                    // smtp_sasl_authenticate(): no "*" to cancel; the session just fails (and QUITs).
                    throw new Refusal("SASL authentication failed; cannot authenticate to server "
                            + session.namaddr() + ": " + e.getMessage(), Status.DEFERRED, "4.7.0", false);
                }
                reply = session.command(response, "sending AUTH");
            }
            if (!reply.positive()) {
                // smtp_sasl_auth_soft_bounce turns a 535 into a deferral; other 5xx bounce.
                boolean soft = reply.transientFailure() || softBounce;
                throw new Refusal("SASL authentication failed; server " + session.namaddr() + " said: " + reply,
                        soft ? Status.DEFERRED : Status.BOUNCED, (soft ? "4" : "5") + reply.dsn().substring(1),
                        !soft, reply);
            }
            session.saslMethod = start.mechanism();
            session.saslUsername = creds.get().username();
        } finally {
            credentials.destroy();
            Arrays.fill(creds.get().password(), '\0');
        }
    }
}
