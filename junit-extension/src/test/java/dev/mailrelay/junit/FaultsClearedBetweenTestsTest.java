package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A fault a test installs is gone in the next test, with the rest of the reset between tests, and also
 * where captured mail is kept between tests ({@code resetBetweenTests = false}): faults are a test's
 * own set-up, as a mock server's stubs are.
 */
@EnableSaslRelay
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsClearedBetweenTestsTest {

    @Test
    @Order(1)
    void aTestInstallsAFault(@InstanceName("relay") RelayInstance relay) throws Exception {
        relay.faults().onConnect().reply("421 4.3.2 Service not available");
        assertThat(relay.faults().list()).hasSize(1);
    }

    @Test
    @Order(2)
    void theNextTestFindsNone(@InstanceName("relay") RelayInstance relay) throws Exception {
        assertThat(relay.faults().list()).isEmpty();
        Mail.send(relay.host(), relay.port(), null, null, "shop@example.com", "bob@example.org", "after");
        assertThat(relay.awaitMessages(1)).hasSize(1);
    }

    @Nested
    @EnableSaslRelay(resetBetweenTests = false)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class WithoutTheReset {

        @Test
        @Order(1)
        void aTestSendsAndInstallsAFault(@InstanceName("relay") RelayInstance relay) throws Exception {
            Mail.send(relay.host(), relay.port(), null, null, "shop@example.com", "bob@example.org", "kept");
            assertThat(relay.awaitMessages(1)).hasSize(1);
            relay.faults().onConnect().refuse();
        }

        @Test
        @Order(2)
        void theNextTestKeepsTheMailButNotTheFault(@InstanceName("relay") RelayInstance relay) throws Exception {
            assertThat(relay.messages()).hasSize(1);
            assertThat(relay.faults().list()).isEmpty();
            Mail.send(relay.host(), relay.port(), null, null, "shop@example.com", "bob@example.org", "after");
            assertThat(relay.awaitMessages(2)).hasSize(2);
        }
    }
}
