package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.InstanceSpec;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelayExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code InstanceSpec}'s Javadoc example, started by the builder. */
class InstanceSpecExampleTest {

    @RegisterExtension
    static SaslRelayExtension mail = SaslRelayExtension.builder().instance(isp()).build();

    static InstanceSpec isp() {
        // tag::spec[]
        InstanceSpec isp = InstanceSpec.named("isp")
            .myhostname("mail.isp.example")
            .user("relay-user", "s3cret")
            .mechanisms("PLAIN", "LOGIN")
            .mainCf("smtpd_relay_restrictions = permit_sasl_authenticated, reject")
            .masterCf("submission inet n - n - - smtpd");
        // end::spec[]
        return isp;
    }

    @Test
    void acceptsRelayUser(@InstanceName("isp") RelayInstance isp) throws Exception {
        Shop shop = new Shop();
        shop.configureSmtp(isp.host(), isp.port("submission"), "relay-user", "s3cret");
        shop.signUp("bob@example.org");
        assertThat(isp).receivedMessage().wasAuthenticatedAs("relay-user").usedMechanism("PLAIN");
    }
}
