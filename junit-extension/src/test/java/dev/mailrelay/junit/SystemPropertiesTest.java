package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Opt-in export of spring.mail.* and mailrelay.* system properties, restored afterwards. */
@ResourceLock(Resources.SYSTEM_PROPERTIES)
class SystemPropertiesTest {

    static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    @EnableSaslRelay
    @ExportSystemProperties
    static class Exporting {
        @Test
        void seesTheHarness(SaslRelay mail) {
            SEEN.clear();
            SEEN.putAll(mail.properties());
            assertThat(System.getProperty("spring.mail.host")).isEqualTo("127.0.0.1");
            assertThat(System.getProperty("spring.mail.port")).isEqualTo(String.valueOf(mail.port()));
            assertThat(System.getProperty("spring.mail.username")).isEqualTo("app");
            assertThat(System.getProperty("spring.mail.password")).isEqualTo(mail.password());
            assertThat(System.getProperty("mailrelay.isp.submission.port"))
                    .isEqualTo(String.valueOf(mail.instance("isp").port("submission")));
            assertThat(System.getProperty("mailrelay.isp.username")).isEqualTo("relay-user");
            assertThat(System.getProperty("mailrelay.relay.port")).isEqualTo(String.valueOf(mail.port()));
        }
    }

    @ExportSystemProperties
    static class ExportingWithTheBuilder {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("isp").user("alice", "secret").masterCf("submission inet n - n - - smtpd"))
                .exportSystemProperties()
                .build();

        @Test
        void seesTheHarness() {
            assertThat(System.getProperty("spring.mail.username")).isEqualTo("alice");
            assertThat(System.getProperty("spring.mail.password")).isEqualTo("secret");
            assertThat(System.getProperty("mailrelay.isp.submission.port")).isEqualTo(System.getProperty("spring.mail.port"));
        }
    }

    @Test
    void exportedWhileTheHarnessRunsAndRestoredAfterwards() {
        System.setProperty("spring.mail.host", "smtp.production.example");
        try {
            var events = EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(Exporting.class), selectClass(ExportingWithTheBuilder.class))
                    .execute().testEvents();
            assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
            assertThat(events.succeeded().count()).isEqualTo(2);
            assertThat(SEEN).containsKeys("spring.mail.host", "mailrelay.relay.smtp.port", "mailrelay.isp.password");
            assertThat(System.getProperty("spring.mail.host")).as("previous value restored")
                    .isEqualTo("smtp.production.example");
            for (String key : SEEN.keySet()) {
                if (!key.equals("spring.mail.host")) {
                    assertThat(System.getProperty(key)).as(key + " removed again").isNull();
                }
            }
        } finally {
            System.clearProperty("spring.mail.host");
        }
    }
}
