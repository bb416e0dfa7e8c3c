package dev.mailrelay.junit.assertj;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.junit.RelayInstance;

/**
 * AssertJ entry points for what a mailrelay instance captured. This package is the only part of the
 * extension that uses AssertJ, so tests without AssertJ on the classpath can use everything else.
 * With {@code import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;}:
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/AssertionExamplesTest.java#mail-assertions -->
 * <pre>{@code
 * assertThat(mail.instance("isp")).receivedMessage()
 *     .isFrom("shop@example.com")
 *     .isTo("bob@example.org")
 *     .hasSubject("Your order")
 *     .wasAuthenticatedAs("relay-user")
 *     .usedMechanism("SCRAM-SHA-512")          // the relay's choice among the ISP's mechanisms
 *     .hasBodyContaining("Thank you");
 *
 * assertThat(mail.instance("relay")).deliveredMessage().wasSent().wasAuthenticatedAs("relay-user");
 * }</pre>
 */
public final class MailAssertions {

    private MailAssertions() {
    }

    /** Assertions on an instance's capture, waiting for mail with a timeout. */
    public static RelayInstanceAssert assertThat(RelayInstance actual) {
        return new RelayInstanceAssert(actual);
    }

    /** Assertions on one captured message. */
    public static CapturedMessageAssert assertThat(CapturedMessage actual) {
        return new CapturedMessageAssert(actual);
    }

    /** Assertions on one delivery attempt of a relay. */
    public static DeliveryAttemptAssert assertThat(DeliveryAttempt actual) {
        return new DeliveryAttemptAssert(actual);
    }
}
