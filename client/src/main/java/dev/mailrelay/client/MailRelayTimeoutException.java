package dev.mailrelay.client;

/**
 * A wait of {@link MailRelayClient} ran out before the mail or delivery attempts it waited for were
 * there (the API's 408); the message says what did arrive, as the harness's own
 * {@code CaptureTimeoutException} does in the same JVM.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#timeout -->
 * <pre>{@code
 * assertThrows(MailRelayTimeoutException.class,
 *         () -> client.awaitMessages("isp", 2, Duration.ofMillis(200)));
 * }</pre>
 */
public class MailRelayTimeoutException extends MailRelayApiException {

    private static final long serialVersionUID = 1L;

    /**
     * A wait that ran out.
     *
     * @param message what was expected and what did arrive
     */
    public MailRelayTimeoutException(String message) {
        super(408, message);
    }
}
