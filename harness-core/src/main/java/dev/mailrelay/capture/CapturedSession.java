package dev.mailrelay.capture;

import java.time.Instant;
import java.util.List;

/**
 * One SMTP session an instance served, as far as it went: who connected, what they said, what the
 * server replied. SASL responses and AUTH initial responses are never recorded, only a marker.
 *
 * @param id            a number unique within the instance, in connection order
 * @param instance      the instance name
 * @param service       the master.cf service name that accepted the connection
 * @param clientAddress the client IP address
 * @param clientPort    the client TCP port
 * @param helo          the last HELO/EHLO argument, or {@code null}
 * @param saslMethod    the mechanism of a successful AUTH, or {@code null}
 * @param saslUsername  the login of a successful AUTH, or {@code null}
 * @param tls           the TLS state, or {@code null}
 * @param transcript    the commands and replies in order
 * @param start         when the client connected
 * @param end           when the session ended, or {@code null} while it is still open
 */
public record CapturedSession(long id, String instance, String service, String clientAddress, int clientPort,
                              String helo, String saslMethod, String saslUsername, TlsInfo tls,
                              List<Exchange> transcript, Instant start, Instant end) {

    public CapturedSession {
        // A Transcript snapshot is already immutable (and copying it on every command was quadratic).
        transcript = transcript instanceof Transcript.Snapshot ? transcript : List.copyOf(transcript);
    }

    /** One client line (or {@code null} for the greeting) and the server's reply lines. */
    public record Exchange(String command, List<String> reply) {
        public Exchange {
            reply = List.copyOf(reply);
        }
    }
}
