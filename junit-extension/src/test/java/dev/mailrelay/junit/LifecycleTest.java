package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Per-class and per-method harnesses, clearing between tests, nested classes, injection into
 * constructors, {@code @BeforeAll} methods and fields — each fixture run with EngineTestKit so that
 * what happens after the class (the harness stopped) can be checked too.
 */
class LifecycleTest {

    /** Ports seen by fixtures, by key; fixtures run one at a time through EngineTestKit. */
    static final Map<String, List<Integer>> PORTS = new ConcurrentHashMap<>();
    /** The generated password of each harness a test saw: new per harness. */
    static final List<String> HARNESSES = new CopyOnWriteArrayList<>();

    static void record(String key, int port) {
        PORTS.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(port);
    }

    static Events run(Class<?> fixture) {
        PORTS.clear();
        HARNESSES.clear();
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute().allEvents();
    }

    static void assertAllPassed(Events events) {
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
    }

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    @EnableSaslRelay
    static class PerClass {
        @Test
        @Order(1)
        void first(SaslRelay mail) throws Exception {
            record("relay", mail.port());
            Mail.send(mail.host(), mail.port(), null, null, "a@example.com", "b@example.org", "first");
            assertThat(mail.entry().awaitMessages(1)).hasSize(1);
        }

        @Test
        @Order(2)
        void second(SaslRelay mail) {
            record("relay", mail.port());
            assertThat(mail.entry().messages()).as("cleared between tests").isEmpty();
        }
    }

    @Test
    void perClassHarnessServesEveryTestAndIsClearedBetweenThemAndStoppedAfter() {
        assertAllPassed(run(PerClass.class));
        assertThat(PORTS.get("relay")).hasSize(2).containsOnly(PORTS.get("relay").get(0));
        assertThat(Mail.listening(PORTS.get("relay").get(0))).as("stopped after the class").isFalse();
    }

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    @EnableSaslRelay(resetBetweenTests = false)
    static class KeepMail {
        @Test
        @Order(1)
        void first(SaslRelay mail) throws Exception {
            Mail.send(mail.host(), mail.port(), null, null, "a@example.com", "b@example.org", "first");
            mail.entry().awaitMessages(1);
        }

        @Test
        @Order(2)
        void second(SaslRelay mail) {
            assertThat(mail.entry().messages()).hasSize(1);
        }
    }

    @Test
    void clearingCanBeTurnedOff() {
        assertAllPassed(run(KeepMail.class));
        assertThat(run(KeepMail.class).succeeded().count()).isEqualTo(4);
    }

    @EnableSaslRelay(lifecycle = Lifecycle.PER_METHOD)
    static class PerMethod {
        @Test
        void one(SaslRelay mail) {
            record("relay", mail.port());
            HARNESSES.add(mail.password());
        }

        @Test
        void two(SaslRelay mail) {
            record("relay", mail.port());
            HARNESSES.add(mail.password());
        }

        @Nested
        class Inner {
            @Test
            void three(SaslRelay mail) {
                record("relay", mail.port());
                HARNESSES.add(mail.password());
            }
        }
    }

    @Test
    void perMethodHarnessIsFreshForEachTestAndStoppedAfterIt() {
        assertAllPassed(run(PerMethod.class));
        // Each test had a harness of its own (the OS may hand a closed harness's port to the next one,
        // so the ports may repeat; the generated credentials do not).
        assertThat(HARNESSES).hasSize(3).doesNotHaveDuplicates();
        assertThat(PORTS.get("relay")).hasSize(3).noneMatch(Mail::listening);
    }

    @EnableSaslRelay(instances = @SaslInstance(name = "outer", users = "u"))
    static class Outer {
        @Test
        void outerTest(SaslRelay mail) {
            record("outer", mail.port());
        }

        @Nested
        class SharesTheOuterHarness {
            @Test
            void nestedTest(SaslRelay mail, @InstanceName("outer") RelayInstance outer) {
                assertThat(mail.entry()).isSameAs(outer);
                record("outer", mail.port());
            }

            @Nested
            @EnableSaslRelay(instances = @SaslInstance(name = "inner"))
            class DeclaresItsOwn {
                @Test
                void innerTest(SaslRelay mail) {
                    assertThat(mail.entry().name()).isEqualTo("inner");
                    record("inner", mail.port());
                }
            }
        }

        @Nested
        class AfterTheInnerHarness {
            @Test
            void outerStillRuns(SaslRelay mail) {
                record("outer", mail.port());
            }
        }
    }

    @Test
    void nestedClassesReuseTheEnclosingHarnessUnlessTheyDeclareTheirOwn() {
        assertAllPassed(run(Outer.class));
        assertThat(PORTS.get("outer")).hasSize(3).containsOnly(PORTS.get("outer").get(0));
        assertThat(PORTS.get("inner")).hasSize(1).doesNotContainAnyElementsOf(PORTS.get("outer"));
        assertThat(Mail.listening(PORTS.get("inner").get(0))).isFalse();
        assertThat(Mail.listening(PORTS.get("outer").get(0))).isFalse();
    }

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @EnableSaslRelay
    static class Injection {
        private final SaslRelay fromConstructor;

        @InstanceName("isp")
        static RelayInstance staticIsp;

        @InstanceName
        RelayInstance entryField;

        @InstanceName
        SaslRelay relayField;

        Injection(SaslRelay mail) {
            this.fromConstructor = mail;
        }

        @BeforeAll
        void beforeAll(SaslRelay mail, @InstanceName("isp") RelayInstance isp) {
            assertThat(mail).isSameAs(fromConstructor);
            assertThat(staticIsp).isSameAs(isp);
            record("isp", isp.port());
        }

        @Test
        void everyFormSeesTheSameHarness(SaslRelay mail) {
            assertThat(relayField).isSameAs(mail).isSameAs(fromConstructor);
            assertThat(entryField).isSameAs(mail.entry());
            assertThat(staticIsp).isSameAs(mail.instance("isp"));
        }
    }

    @Test
    void constructorBeforeAllAndFieldsAreInjected() {
        assertAllPassed(run(Injection.class));
        assertThat(PORTS.get("isp")).hasSize(1);
        assertThat(Injection.staticIsp).as("static field cleared after the class").isNull();
    }
}
