package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The abstract base class pattern: {@code @EnableSaslRelay} and {@code @ExportSystemProperties} on a
 * base class, {@code @InstanceName} fields (static and instance) declared there, static ones filled
 * before the test instance is made (what a static {@code @DynamicPropertySource} method needs).
 */
@ResourceLock(Resources.SYSTEM_PROPERTIES)
class BaseClassTest {

    /** Ports each fixture saw at construction, in its test, and in the exported property. */
    static final List<Integer> PORTS = new CopyOnWriteArrayList<>();

    @EnableSaslRelay
    @ExportSystemProperties
    abstract static class AbstractMailTest {
        @InstanceName static SaslRelay mail;
        @InstanceName("isp") static RelayInstance isp;
        @InstanceName RelayInstance entry;

        /** Read while the instance is made, as Spring reads a static field when it loads the context. */
        final int portAtConstruction = mail.port();
    }

    static class SignupMailTest extends AbstractMailTest {
        @Test
        void inheritedFieldsAreFilled(SaslRelay injected, @InstanceName("isp") RelayInstance ispParameter)
                throws Exception {
            assertThat(mail).isSameAs(injected);
            assertThat(isp).isSameAs(ispParameter);
            assertThat(entry).isSameAs(injected.entry());
            assertThat(System.getProperty("spring.mail.port")).isEqualTo(String.valueOf(mail.port()));
            Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com",
                    "bob@example.org", "from a subclass");
            assertThat(mail.entry().awaitMessages(1)).hasSize(1);
            PORTS.add(portAtConstruction);
            PORTS.add(mail.port());
        }
    }

    /** A per-class test instance is made before beforeAll callbacks run. */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    static class PerClassInstanceTest extends AbstractMailTest {
        @Test
        void theStaticFieldWasFilledBeforeConstruction() {
            assertThat(portAtConstruction).isEqualTo(mail.port());
            PORTS.add(portAtConstruction);
        }
    }

    static Events run(Class<?>... fixtures) {
        PORTS.clear();
        var request = EngineTestKit.engine("junit-jupiter");
        for (Class<?> f : fixtures) {
            request.selectors(selectClass(f));
        }
        return request.execute().allEvents();
    }

    @Test
    void fieldsAndAnnotationsOfAnAbstractBaseClassWork() {
        Events events = run(SignupMailTest.class, PerClassInstanceTest.class);
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(events.succeeded().filter(e -> e.getTestDescriptor().isTest()).count()).isEqualTo(2);
        assertThat(PORTS).hasSize(3).allMatch(p -> p > 0);
        assertThat(PORTS.get(0)).isEqualTo(PORTS.get(1));
        assertThat(AbstractMailTest.mail).as("cleared with the class's harness").isNull();
        assertThat(AbstractMailTest.isp).isNull();
        assertThat(System.getProperty("spring.mail.port")).as("restored").isNull();
        assertThat(PORTS).noneMatch(Mail::listening);
    }

    @Test
    void theBaseClasssExportSystemPropertiesHoldsTheLockUnderParallelExecution() {
        Events events = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .selectors(selectClass(PerClassInstanceTest.class)).execute().allEvents();
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(events.succeeded().filter(e -> e.getTestDescriptor().isTest()).count()).isEqualTo(1);
    }
}
