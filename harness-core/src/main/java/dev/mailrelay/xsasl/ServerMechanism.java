package dev.mailrelay.xsasl;

import java.util.Set;

/**
 * The server half of one SASL mechanism, as a Cyrus server plugin declares it: a name, its security
 * flags and a factory for per-exchange state. Messages are raw bytes; base64 is the caller's.
 *
 * <pre>{@code
 * ServerMechanism.Exchange x = Mechanisms.server("PLAIN").newExchange(context);
 * ServerMechanism.Step s = x.step(null);        // no initial response: empty challenge
 * s = x.step("\0test\0testpass".getBytes());    // s.done() once verified
 * }</pre>
 */
public interface ServerMechanism {

    String name();

    Set<SecurityFlag> flags();

    Exchange newExchange(ServerContext context);

    /** Per-exchange state. */
    interface Exchange {
        /**
         * Processes one client message ({@code null}: the AUTH command had no initial response).
         *
         * @throws SaslFailure with the Cyrus status when authentication fails
         */
        Step step(byte[] response) throws SaslFailure;

        /** The canonical authenticated user, once a step returned {@code done}. */
        String username();
    }

    /**
     * A step's outcome: a challenge to send ({@code done == false}), or success, possibly with final
     * server data (DIGEST-MD5 rspauth, SCRAM {@code v=}) that the caller still has to deliver.
     */
    record Step(byte[] challenge, boolean done) {
        static Step more(byte[] challenge) {
            return new Step(challenge, false);
        }

        static Step success(byte[] finalData) {
            return new Step(finalData, true);
        }
    }
}
