package dev.mailrelay.junit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import org.junit.jupiter.api.Test;

/** The Javadoc examples of {@code InstanceName} and {@code RelayInstance}, in the default topology. */
@EnableSaslRelay
class InstanceNameExampleTest {

    private final Shop app = new Shop();   // the application under test

    // tag::instance-name[]
    @InstanceName("isp")
    static RelayInstance isp;   // readable from a static method, e.g. Spring's @DynamicPropertySource

    // tag::relays[]
    @Test
    void relaysThroughTheIsp(@InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp)
            throws Exception {
        app.configureSmtp(relay.host(), relay.port(), relay.username(), relay.password());
        app.signUp("bob@example.org");
        CapturedMessage m = isp.awaitMessage(x -> "Welcome".equals(x.subject()));
        assertEquals(isp.username(), m.saslUsername());
    }
    // end::relays[]
    // end::instance-name[]

    @Test
    void theStaticFieldIsTheInstance(@InstanceName("isp") RelayInstance injected) {
        assertEquals(injected.name(), isp.name());
        assertEquals(injected.port("submission"), isp.port("submission"));
    }
}
