package dev.mailrelay.junit.examples;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.junit.assertj.MailAssertions;
import org.junit.jupiter.api.Test;

/** {@code SaslRelay}'s Javadoc example: the harness injected, its entry instance described. */
// tag::class[]
@EnableSaslRelay
class OrderMailTest {
    private final Shop shop = new Shop();   // the application under test

    @Test
    void confirmsTheOrder(SaslRelay mail) throws Exception {
        shop.configureSmtp(mail.host(), mail.port(), mail.username(), mail.password());
        shop.order("bob@example.org", 42);
        MailAssertions.assertThat(mail.instance("relay")).receivedMessage().hasSubject("Your order");
    }
}
// end::class[]
