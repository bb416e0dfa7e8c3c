package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The AssertJ layer: passing assertions, and failures that say what did arrive. */
@EnableSaslRelay(instances = @SaslInstance(name = "isp", users = "alice=secret", mechanisms = {"PLAIN", "LOGIN"},
        masterCf = "submission inet n - n - - smtpd"))
class AssertionsTest {

    @Test
    void passingAssertionsOnTheMessage(@InstanceName("isp") RelayInstance isp) throws Exception {
        Mail.send(isp.host(), isp.port(), "alice", "secret", "alice@example.com", "bob@example.org", "Grüße");
        assertThat(isp).receivedMessages(1).receivedMessageWithSubject("Grüße")
                .isFrom("alice@example.com").hasRecipients("bob@example.org").isTo("bob@example.org")
                .wasAuthenticatedAs("alice").usedMechanism("plain").hasProtocol("ESMTPA").wasNotEncrypted()
                .hasHeader("Subject", "Grüße").hasBodyContaining("Jakarta Mail");
    }

    @Test
    void aTimeoutListsWhatArrived(@InstanceName("isp") RelayInstance isp) throws Exception {
        Mail.send(isp.host(), isp.port(), "alice", "secret", "alice@example.com", "bob@example.org", "the only one");
        isp.awaitMessages(1);
        assertThatThrownBy(() -> assertThat(isp).within(Duration.ofMillis(200)).receivedMessageWithSubject("another"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected a message with subject \"another\" at instance isp within PT0.2S, "
                        + "but the subjects were [\"the only one\"]")
                .hasMessageContaining("1 message(s) arrived")
                .hasMessageContaining("from=<alice@example.com> to=[bob@example.org]");
        // Every listing names each message's subject.
        assertThatThrownBy(() -> assertThat(isp).within(Duration.ofMillis(200)).receivedMessage(m -> false))
                .hasMessageContaining("expected a matching message at instance isp")
                .hasMessageContaining("subject=\"the only one\"");
        assertThatThrownBy(() -> assertThat(isp).hasNoMessages()).hasMessageContaining("subject=\"the only one\"");
        assertThatThrownBy(() -> isp.awaitMessages(2, Duration.ofMillis(100)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("1 message(s) arrived");
    }

    @Test
    void mismatchesNameTheMessage(@InstanceName("isp") RelayInstance isp) throws Exception {
        Mail.send(isp.host(), isp.port(), "alice", "secret", "alice@example.com", "bob@example.org", "hi");
        assertThatThrownBy(() -> assertThat(isp).receivedMessage().wasAuthenticatedAs("mallory"))
                .hasMessageContaining("expected SASL login <mallory> but was <alice>");
        assertThatThrownBy(() -> assertThat(isp).receivedMessage().wasEncrypted())
                .hasMessageContaining("plaintext");
        assertThatThrownBy(() -> assertThat(isp).hasNoMessages()).hasMessageContaining("1 message(s) arrived");
    }
}
