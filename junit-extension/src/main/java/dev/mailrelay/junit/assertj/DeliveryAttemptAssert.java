package dev.mailrelay.junit.assertj;

import dev.mailrelay.capture.DeliveryAttempt;
import java.util.Arrays;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on one delivery attempt of a relay: status, next hop, upstream login and mechanism, TLS.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/AssertionExamplesTest.java#delivery-attempt -->
 * <pre>{@code
 * assertThat(relay).deliveredMessage()
 *     .wasSent()
 *     .wentTo("[mail.isp.example]:submission")
 *     .wasAuthenticatedAs("relay-user")
 *     .usedMechanism("SCRAM-SHA-512");
 * }</pre>
 */
public final class DeliveryAttemptAssert extends AbstractAssert<DeliveryAttemptAssert, DeliveryAttempt> {

    DeliveryAttemptAssert(DeliveryAttempt actual) {
        super(actual, DeliveryAttemptAssert.class);
    }

    /** {@code status=sent}. */
    public DeliveryAttemptAssert wasSent() {
        return hasStatus(DeliveryAttempt.Status.SENT);
    }

    /** {@code status=deferred}. */
    public DeliveryAttemptAssert wasDeferred() {
        return hasStatus(DeliveryAttempt.Status.DEFERRED);
    }

    /** {@code status=bounced}. */
    public DeliveryAttemptAssert wasBounced() {
        return hasStatus(DeliveryAttempt.Status.BOUNCED);
    }

    /** The status. */
    public DeliveryAttemptAssert hasStatus(DeliveryAttempt.Status status) {
        isNotNull();
        if (actual.status() != status) {
            failWithMessage("expected status=%s but was status=%s (%s) for %s", status.word(), actual.status().word(),
                    actual.reply(), describe());
        }
        return this;
    }

    /** The next-hop destination as configured, e.g. {@code [mail.isp.example]:submission}. */
    public DeliveryAttemptAssert wentTo(String nextHop) {
        isNotNull();
        if (!Objects.equals(actual.nextHop(), nextHop)) {
            failWithMessage("expected next hop <%s> but was <%s> for %s", nextHop, actual.nextHop(), describe());
        }
        return this;
    }

    /** The SASL login the relay's client used upstream. */
    public DeliveryAttemptAssert wasAuthenticatedAs(String login) {
        isNotNull();
        if (!Objects.equals(actual.saslUsername(), login)) {
            failWithMessage("expected upstream SASL login <%s> but was <%s> for %s", login, actual.saslUsername(), describe());
        }
        return this;
    }

    /** The SASL mechanism the relay's client used upstream. */
    public DeliveryAttemptAssert usedMechanism(String mechanism) {
        isNotNull();
        if (actual.saslMethod() == null || !actual.saslMethod().equalsIgnoreCase(mechanism)) {
            failWithMessage("expected upstream SASL mechanism <%s> but was <%s> for %s", mechanism, actual.saslMethod(),
                    describe());
        }
        return this;
    }

    /** The upstream connection used TLS. */
    public DeliveryAttemptAssert wasEncrypted() {
        isNotNull();
        if (actual.tls() == null) {
            failWithMessage("expected the upstream connection to use TLS but it was plaintext: %s", describe());
        }
        return this;
    }

    /** The attempt covered these recipients (as sent). */
    public DeliveryAttemptAssert isTo(String... recipients) {
        isNotNull();
        if (!actual.recipients().containsAll(Arrays.asList(recipients))) {
            failWithMessage("expected recipients to include %s but were %s for %s", Arrays.asList(recipients),
                    actual.recipients(), describe());
        }
        return this;
    }

    /** The envelope sender as sent (after generic mapping). */
    public DeliveryAttemptAssert isFrom(String sender) {
        isNotNull();
        if (!Objects.equals(actual.sender(), sender)) {
            failWithMessage("expected sender <%s> but was <%s> for %s", sender, actual.sender(), describe());
        }
        return this;
    }

    private String describe() {
        return actual.queueId() + ": to=" + actual.recipients() + ", relay=" + actual.relay() + ", sasl_username="
                + actual.saslUsername() + ", status=" + actual.status().word() + " (" + actual.reply() + ")";
    }
}
