package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The reset between the tests of a per-class harness leaves nothing behind: mail the upstream
 * deferred in one test is not retried (nor delivered) in the next.
 */
@EnableSaslRelay(defaultTopology = true, instances = @SaslInstance(name = "isp",
        mainCf = "smtpd_recipient_restrictions = check_recipient_access inline:{ later@example.org=DEFER }"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResetBetweenTestsTest {

    @Test
    @Order(1)
    void theUpstreamDefersAMessage(SaslRelay mail) throws Exception {
        Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com",
                "later@example.org", "deferred in test 1");
        assertThat(mail.instance("relay")).deliveredMessage().wasDeferred().isTo("later@example.org");
    }

    @Test
    @Order(2)
    void theDeferredMessageIsNeitherRetriedNorDeliveredInTheNextTest(SaslRelay mail,
            @InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp) throws Exception {
        // postqueue -f: without the reset's postsuper -d ALL, test 1's message would be retried now.
        mail.flush();
        assertThat(relay.core().awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(relay.deliveries()).isEmpty();
        assertThat(relay.core().deleteQueuedMail()).isZero();
        assertThat(isp.messages()).isEmpty();

        Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com",
                "bob@example.org", "sent in test 2");
        assertThat(isp).receivedMessageWithSubject("sent in test 2");
        assertThat(relay).deliveredMessage().wasSent().isTo("bob@example.org");
        assertThat(relay.deliveries()).hasSize(1);
    }
}
