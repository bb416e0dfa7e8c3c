package dev.mailrelay.xsasl;

import java.util.Set;

/**
 * The client half of one SASL mechanism, as a Cyrus client plugin declares it. {@link SaslClient}
 * picks one and drives it; messages are raw bytes.
 *
 * <pre>{@code
 * ClientMechanism.Exchange x = Mechanisms.client("CRAM-MD5").newExchange(credentials, "smtp", "mx.example.com");
 * byte[] response = x.evaluate(challenge);
 * }</pre>
 */
public interface ClientMechanism {

    String name();

    Set<SecurityFlag> flags();

    /** Whether the credentials are of the kind this mechanism needs (password or bearer token). */
    boolean usableWith(ClientCredentials credentials);

    Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn);

    /** Per-exchange state. */
    interface Exchange {
        /** The initial response to send with AUTH, or {@code null} for a server-first mechanism. */
        byte[] initialResponse();

        /**
         * Answers a server challenge.
         *
         * @throws SaslFailure when the challenge is malformed or the server failed mutual authentication
         */
        byte[] evaluate(byte[] challenge) throws SaslFailure;

        /**
         * Whether the client has sent its last message (Cyrus' {@code oparams.doneflag}): a further
         * challenge is then answered with SASL_FAIL by {@link SaslClient}, as {@code sasl_client_step()} does.
         */
        default boolean complete() {
            return false;
        }
    }
}
