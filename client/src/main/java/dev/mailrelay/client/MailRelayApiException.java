package dev.mailrelay.client;

/**
 * The API answered with an error status: 404 for an unknown instance or message (the message names
 * it), 400 for a bad request, 405 for a method the resource does not support; a wait that ran out
 * is the subclass {@link MailRelayTimeoutException} (408).
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#api-exception -->
 * <pre>{@code
 * MailRelayApiException e = assertThrows(MailRelayApiException.class,
 *         () -> client.message("isp", "NOSUCHID"));
 * assertEquals(404, e.status());
 * }</pre>
 */
public class MailRelayApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status the API answered. */
    private final int status;

    /**
     * An error answer.
     *
     * @param status  the HTTP status code
     * @param message what the API said, with the request
     */
    public MailRelayApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /**
     * The HTTP status code.
     *
     * @return the status, e.g. 404
     */
    public int status() {
        return status;
    }
}
