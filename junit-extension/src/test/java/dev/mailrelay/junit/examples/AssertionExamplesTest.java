package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Javadoc examples of the AssertJ assertions, in the default topology. */
@EnableSaslRelay
class AssertionExamplesTest {

    private final Shop shop = new Shop();   // the application under test

    @Test
    void mailAssertions(SaslRelay mail) throws Exception {
        shop.configureSmtp(mail.host(), mail.port(), mail.username(), mail.password());
        shop.order("bob@example.org", 42);
        // tag::mail-assertions[]
        assertThat(mail.instance("isp")).receivedMessage()
            .isFrom("shop@example.com")
            .isTo("bob@example.org")
            .hasSubject("Your order")
            .wasAuthenticatedAs("relay-user")
            .usedMechanism("SCRAM-SHA-512")          // the relay's choice among the ISP's mechanisms
            .hasBodyContaining("Thank you");

        assertThat(mail.instance("relay")).deliveredMessage().wasSent().wasAuthenticatedAs("relay-user");
        // end::mail-assertions[]
    }

    @Test
    void capturedMessageAssert(@InstanceName("relay") RelayInstance relay) throws Exception {
        shop.configureSmtp(relay.host(), relay.port(), relay.username(), relay.password());
        shop.order("bob@example.org", 42);
        CapturedMessage message = relay.awaitMessages(1).get(0);
        // tag::captured-message[]
        assertThat(message).isFrom("shop@example.com").isTo("bob@example.org")
            .wasAuthenticatedAs("app").usedMechanism("PLAIN").hasHeader("X-Mailer", "shop")
            .hasBodyContaining("order 42");
        // end::captured-message[]
    }

    @Test
    void deliveryAttemptAssert(@InstanceName("relay") RelayInstance relay) throws Exception {
        shop.configureSmtp(relay.host(), relay.port(), relay.username(), relay.password());
        shop.order("bob@example.org", 42);
        // tag::delivery-attempt[]
        assertThat(relay).deliveredMessage()
            .wasSent()
            .wentTo("[mail.isp.example]:submission")
            .wasAuthenticatedAs("relay-user")
            .usedMechanism("SCRAM-SHA-512");
        // end::delivery-attempt[]
    }

    @Test
    void relayInstanceAssert(SaslRelay mail, @InstanceName("isp") RelayInstance isp) throws Exception {
        shop.configureSmtp(mail.host(), mail.port(), mail.username(), mail.password());
        shop.signUp("carol@example.net");
        shop.signUp("bob@example.org");
        // tag::relay-instance[]
        assertThat(isp).within(Duration.ofSeconds(30)).receivedMessages(2);
        assertThat(isp).receivedMessage(m -> m.recipients().contains("bob@example.org")).hasSubject("Welcome");
        // end::relay-instance[]
    }
}
