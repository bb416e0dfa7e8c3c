package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import org.junit.jupiter.api.Test;

/** {@code EnableSaslRelay}'s Javadoc example of a declared instance instead of the default topology. */
// tag::isp[]
@EnableSaslRelay(instances = @SaslInstance(name = "isp", myhostname = "mail.isp.example",
        users = "alice=secret", mechanisms = {"PLAIN", "LOGIN"},
        masterCf = "submission inet n - n - - smtpd"))
// end::isp[]
class DeclaredIspExampleTest {

    @Test
    void theIspIsAllThereIs(@InstanceName("isp") RelayInstance isp) throws Exception {
        Shop shop = new Shop();
        shop.configureSmtp(isp.host(), isp.port("submission"), "alice", "secret");
        shop.signUp("bob@example.org");
        assertThat(isp).receivedMessage().wasAuthenticatedAs("alice").usedMechanism("PLAIN");
    }
}
