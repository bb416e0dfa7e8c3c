package dev.mailrelay.api;

/**
 * The API answered with an error status: 404 for an unknown instance or message (the message names
 * it), 400 for a bad request, 405 for a method the resource does not support.
 *
 * <pre>{@code
 * try {
 *     client.message("isp", "NOSUCHID");
 * } catch (MailRelayApiException e) {
 *     assertEquals(404, e.status());
 * }
 * }</pre>
 */
public class MailRelayApiException extends RuntimeException {

    private final int status;

    public MailRelayApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }
}
