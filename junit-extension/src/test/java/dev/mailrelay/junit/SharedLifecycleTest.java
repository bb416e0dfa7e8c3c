package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@code Lifecycle.PER_JVM}: one harness per configuration for the whole run, shared by the classes
 * that declare it (the same ports and passwords throughout, as a cached Spring context needs), reset
 * before each class, its system properties exported for each class, stopped when the run ends.
 */
@ResourceLock(Resources.SYSTEM_PROPERTIES)
class SharedLifecycleTest {

    /** What each fixture class saw: its harness's entry port and generated password, and the exported port. */
    record Seen(int port, String password, String exportedPort) {
    }

    static final Map<String, Seen> SEEN = new ConcurrentHashMap<>();

    static void record(Class<?> fixture, SaslRelay mail) {
        SEEN.put(fixture.getSimpleName(), new Seen(mail.port(), mail.password(), System.getProperty("spring.mail.port")));
    }

    static Events run(Class<?>... fixtures) {
        SEEN.clear();
        var request = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.testclass.order.default", ClassOrderer.OrderAnnotation.class.getName());
        for (Class<?> f : fixtures) {
            request.selectors(selectClass(f));
        }
        return request.execute().allEvents();
    }

    @EnableSaslRelay(lifecycle = Lifecycle.PER_JVM, defaultTopology = true, instances = @SaslInstance(name = "isp",
            mainCf = "smtpd_recipient_restrictions = check_recipient_access inline:{ later@example.org=DEFER }"))
    @ExportSystemProperties
    abstract static class SharedBase {
        @InstanceName static SaslRelay mail;
    }

    /** Leaves a captured message and a deferred one in the queue. */
    @Order(1)
    static class First extends SharedBase {
        @Test
        void leavesMailBehind() throws Exception {
            record(First.class, mail);
            Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com",
                    "later@example.org", "deferred in the first class");
            assertThat(mail.instance("relay")).deliveredMessage().wasDeferred();
        }
    }

    /** Another configuration's shared harness in between: its own ports, its own exported properties. */
    @Order(2)
    @EnableSaslRelay(lifecycle = Lifecycle.PER_JVM)
    @ExportSystemProperties
    static class OtherConfiguration {
        @Test
        void hasItsOwnHarness(SaslRelay mail) {
            record(OtherConfiguration.class, mail);
        }
    }

    @Order(3)
    static class Second extends SharedBase {
        @Test
        void findsTheSameHarnessResetAndExportedAgain() throws Exception {
            record(Second.class, mail);
            mail.flush();   // without the reset before the class, the first class's message would be retried now
            assertThat(mail.instance("relay").core().awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(mail.instance("relay").deliveries()).isEmpty();
            assertThat(mail.instance("relay").messages()).isEmpty();
            Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com",
                    "bob@example.org", "sent in the second class");
            assertThat(mail.instance("isp")).receivedMessageWithSubject("sent in the second class");
        }
    }

    /** The same configuration written out again, without the base class: the same harness. */
    @Order(4)
    @EnableSaslRelay(lifecycle = Lifecycle.PER_JVM, defaultTopology = true, instances = @SaslInstance(name = "isp",
            mainCf = "smtpd_recipient_restrictions = check_recipient_access inline:{ later@example.org=DEFER }"))
    static class EqualConfiguration {
        @Test
        void sharesTheHarness(SaslRelay mail) {
            record(EqualConfiguration.class, mail);
            assertThat(mail.instance("isp").messages()).as("reset before the class").isEmpty();
        }
    }

    @Test
    void classesOfOneConfigurationShareOneHarnessUntilTheRunEnds() {
        Events events = run(First.class, OtherConfiguration.class, Second.class, EqualConfiguration.class);
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(events.succeeded().filter(e -> e.getTestDescriptor().isTest()).count()).isEqualTo(4);

        Seen first = SEEN.get("First");
        Seen other = SEEN.get("OtherConfiguration");
        assertThat(SEEN.get("Second")).isEqualTo(first);
        assertThat(SEEN.get("EqualConfiguration").port()).isEqualTo(first.port());
        assertThat(SEEN.get("EqualConfiguration").password()).isEqualTo(first.password());
        assertThat(other.password()).isNotEqualTo(first.password());
        assertThat(other.port()).isNotEqualTo(first.port());
        assertThat(first.exportedPort()).isEqualTo(String.valueOf(first.port()));
        assertThat(other.exportedPort()).isEqualTo(String.valueOf(other.port()));
        assertThat(SEEN.get("EqualConfiguration").exportedPort()).as("exported only where asked").isNull();

        assertThat(Mail.listening(first.port())).as("stopped when the run ended").isFalse();
        assertThat(Mail.listening(other.port())).isFalse();
        assertThat(System.getProperty("spring.mail.port")).as("restored").isNull();
    }

    /** The programmatic form in a base class: one harness for its subclasses. */
    abstract static class ProgrammaticBase {
        @RegisterExtension
        static SaslRelayExtension extension = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("isp").user("alice").masterCf("submission inet n - n - - smtpd"))
                .lifecycle(Lifecycle.PER_JVM)
                .build();

        @Test
        void recordsItsHarness(SaslRelay mail) {
            record(getClass(), mail);
        }
    }

    @Order(1)
    static class ProgrammaticFirst extends ProgrammaticBase {
    }

    @Order(2)
    static class ProgrammaticSecond extends ProgrammaticBase {
    }

    @Test
    void theBuilderFormSharesToo() {
        Events events = run(ProgrammaticFirst.class, ProgrammaticSecond.class);
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(SEEN).hasSize(2);
        assertThat(SEEN.get("ProgrammaticFirst")).isEqualTo(SEEN.get("ProgrammaticSecond"));
        assertThat(Mail.listening(SEEN.get("ProgrammaticFirst").port())).isFalse();
    }

    @EnableSaslRelay(lifecycle = Lifecycle.PER_JVM, instances = @SaslInstance(name = "bad",
            mainCf = "smtpd_sasl_auth_enable = perhaps"))
    abstract static class BadBase {
        @Test
        void neverRuns() {
        }
    }

    static class BadFirst extends BadBase {
    }

    static class BadSecond extends BadBase {
    }

    @Test
    void aSharedHarnessThatCannotStartFailsEveryClassThatDeclaresIt() {
        Events events = run(BadFirst.class, BadSecond.class);
        assertThat(events.failed().list()).hasSize(2).allSatisfy(e -> assertThat(
                e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow())
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("cannot start the harness").hasMessageContaining("smtpd_sasl_auth_enable"));
        assertThat(events.filter(e -> e.getTestDescriptor().isTest()).count()).isZero();
    }
}
