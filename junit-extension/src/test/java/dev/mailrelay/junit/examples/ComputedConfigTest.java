package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.InstanceSpec;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelayExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code SaslRelayExtension}'s Javadoc example: the configuration computed in Java. */
// tag::class[]
class ComputedConfigTest {
    @RegisterExtension
    static SaslRelayExtension mail = SaslRelayExtension.builder()
        .instance(InstanceSpec.named("isp")
            .myhostname("mail.isp.example")
            .user("alice", System.getenv().getOrDefault("ISP_PASSWORD", "s3cret"))
            .masterCf("submission inet n - n - - smtpd"))
        .build();

    @Test
    void accepts(@InstanceName("isp") RelayInstance isp) throws Exception {
        Shop shop = new Shop();
        shop.configureSmtp(isp.host(), isp.port("submission"), "alice", isp.password("alice"));
        shop.signUp("bob@example.org");
        assertThat(isp).receivedMessage().wasAuthenticatedAs("alice");
    }
}
// end::class[]
