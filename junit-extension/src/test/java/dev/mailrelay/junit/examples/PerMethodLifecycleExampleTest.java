package dev.mailrelay.junit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import dev.mailrelay.junit.InstanceSpec;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.junit.SaslRelayExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code SaslRelayExtension.builder()}'s Javadoc example: the default topology adjusted, a harness per test. */
class PerMethodLifecycleExampleTest {

    // tag::builder[]
    @RegisterExtension
    static SaslRelayExtension mail = SaslRelayExtension.builder()
        .defaultTopology()
        .instance(InstanceSpec.named("relay").mainCf("smtp_sasl_mechanism_filter = plain"))
        .lifecycle(Lifecycle.PER_METHOD)
        .build();
    // end::builder[]

    @Test
    void theDefaultRelayIsAdjusted(SaslRelay harness) {
        assertEquals("plain", harness.instance("relay").parameters().get("smtp_sasl_mechanism_filter"));
        assertEquals("[mail.isp.example]:submission", harness.instance("relay").parameters().get("relayhost"));
    }
}
