package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.client.MailRelayClient;
import org.junit.jupiter.api.Test;

/** Fails on purpose, after checking the servers answer: the build must still stop them. */
class FailingIT {

    @Test
    void failsOnPurpose() {
        MailRelayClient mailrelay = MailRelayClient.fromSystemProperties();
        assertEquals(1, mailrelay.instances().size());
        assertEquals("a message that never came", String.valueOf(mailrelay.messages("isp")));
    }
}
