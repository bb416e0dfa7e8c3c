package dev.mailrelay.junit.assertj;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.junit.RelayInstance;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link RelayInstance}'s capture. The {@code received...} and {@code delivered...}
 * methods wait (on the capture's arrival event, up to {@link #within(Duration) the timeout}) and fail
 * with a message listing what did arrive.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/AssertionExamplesTest.java#relay-instance -->
 * <pre>{@code
 * assertThat(isp).within(Duration.ofSeconds(30)).receivedMessages(2);
 * assertThat(isp).receivedMessage(m -> m.recipients().contains("bob@example.org")).hasSubject("Welcome");
 * }</pre>
 */
public final class RelayInstanceAssert extends AbstractAssert<RelayInstanceAssert, RelayInstance> {

    private Duration timeout = RelayInstance.DEFAULT_TIMEOUT;

    RelayInstanceAssert(RelayInstance actual) {
        super(actual, RelayInstanceAssert.class);
    }

    /** How long the waiting assertions wait (default {@link RelayInstance#DEFAULT_TIMEOUT}). */
    public RelayInstanceAssert within(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Waits for a first message and returns assertions on it. */
    public CapturedMessageAssert receivedMessage() {
        isNotNull();
        return new CapturedMessageAssert(actual.awaitMessages(1, timeout).get(0));
    }

    /** Waits for a message matching {@code condition} and returns assertions on the first such. */
    public CapturedMessageAssert receivedMessage(Predicate<CapturedMessage> condition) {
        isNotNull();
        return new CapturedMessageAssert(actual.awaitMessage(condition, timeout));
    }

    /**
     * Waits for a message with this subject and returns assertions on it; fails naming the subject
     * expected and those that arrived.
     */
    public CapturedMessageAssert receivedMessageWithSubject(String subject) {
        isNotNull();
        try {
            return new CapturedMessageAssert(actual.awaitMessage(m -> subject.equals(m.subject()), timeout));
        } catch (AssertionError e) {
            List<String> subjects = actual.messages().stream().map(Capture::listedSubject).toList();
            failWithMessage("expected a message with subject \"%s\" at instance %s within %s, but the subjects "
                    + "were %s; %s", subject, actual.name(), timeout, subjects, actual.describe());
            throw e;
        }
    }

    /** Waits until {@code count} messages have arrived, then checks that no more did. */
    public RelayInstanceAssert receivedMessages(int count) {
        isNotNull();
        List<CapturedMessage> got = actual.awaitMessages(count, timeout);
        if (got.size() != count) {
            failWithMessage("expected exactly %d message(s) at instance %s but %s", count, actual.name(), actual.describe());
        }
        return this;
    }

    /** Checks, without waiting, that no message has arrived. */
    public RelayInstanceAssert hasNoMessages() {
        isNotNull();
        if (!actual.messages().isEmpty()) {
            failWithMessage("expected no message at instance %s but %s", actual.name(), actual.describe());
        }
        return this;
    }

    /** Waits for a first delivery attempt of the relay and returns assertions on it. */
    public DeliveryAttemptAssert deliveredMessage() {
        isNotNull();
        return new DeliveryAttemptAssert(actual.awaitDeliveries(1, timeout).get(0));
    }

    /** Waits for a delivery attempt matching {@code condition} and returns assertions on it. */
    public DeliveryAttemptAssert deliveredMessage(Predicate<DeliveryAttempt> condition) {
        isNotNull();
        return new DeliveryAttemptAssert(actual.awaitDelivery(condition, timeout));
    }
}
