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
            // The relay offers STARTTLS with the harness CA's certificate: an SSL bundle trusting it.
            assertThat(System.getProperty("spring.mail.ssl.bundle")).isEqualTo("mailrelay");
            assertThat(java.nio.file.Path.of(java.net.URI.create(
                    System.getProperty("spring.ssl.bundle.pem.mailrelay.truststore.certificate"))))
                    .hasContent(mail.entry().caCertificatePem());
        }
    }

    /** The annotation alone, with the builder: it exports as with {@code @EnableSaslRelay}. */
    @ExportSystemProperties
    static class AnnotationWithTheBuilder {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("isp").user("alice", "secret").masterCf("submission inet n - n - - smtpd"))
                .build();

        @Test
        void seesTheHarness() {
            assertThat(System.getProperty("spring.mail.username")).isEqualTo("alice");
            assertThat(System.getProperty("spring.mail.password")).isEqualTo("secret");
            assertThat(System.getProperty("mailrelay.isp.submission.port")).isEqualTo(System.getProperty("spring.mail.port"));
        }
    }

    /** The builder's switch alone, on a class without the annotation or lock (no parallel execution). */
    static class BuilderAlone {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("isp").user("bob", "builder-secret").masterCf("submission inet n - n - - smtpd"))
                .exportSystemProperties()
                .build();

        @Test
        void seesTheHarness() {
            assertThat(System.getProperty("spring.mail.username")).isEqualTo("bob");
            assertThat(System.getProperty("mailrelay.isp.password")).isEqualTo("builder-secret");
        }
    }

    @Test
    void eitherTheAnnotationOrTheBuilderAloneExports() {
        var events = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(AnnotationWithTheBuilder.class), selectClass(BuilderAlone.class))
                .execute().testEvents();
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(events.succeeded().count()).isEqualTo(2);
        assertThat(System.getProperty("spring.mail.username")).as("restored").isNull();
    }

    @Test
    void underParallelExecutionTheBuilderAloneAsksForTheLock() {
        var events = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .selectors(selectClass(BuilderAlone.class))
                .execute().allEvents();
        assertThat(events.failed().list().toString())
                .contains("exports system properties under parallel execution")
                .contains("@ExportSystemProperties");
        assertThat(System.getProperty("spring.mail.username")).isNull();
    }

    @Test
    void exportedWhileTheHarnessRunsAndRestoredAfterwards() {
        System.setProperty("spring.mail.host", "smtp.production.example");
        try {
            var events = EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(Exporting.class))
                    .execute().testEvents();
            assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
            assertThat(events.succeeded().count()).isEqualTo(1);
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
