package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Several classes in parallel (JUnit's {@code junit.jupiter.execution.parallel.*}): each has its own
 * harness on its own ephemeral ports and sees only its own mail, and every harness is stopped.
 */
class ParallelExecutionTest {

    static final Map<String, Integer> PORTS = new ConcurrentHashMap<>();
    /** Each class's generated password: new per harness, unlike a port the OS may hand out again. */
    static final Map<String, String> PASSWORDS = new java.util.concurrent.ConcurrentHashMap<>();

    abstract static class SendsOne {
        @Test
        void sendsAndSeesOnlyItsOwnMessage(SaslRelay mail) throws Exception {
            String subject = getClass().getSimpleName();
            PORTS.put(subject, mail.port());
            PASSWORDS.put(subject, mail.password());
            Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com",
                    "bob@example.org", subject);
            assertThat(mail.entry().awaitMessages(1)).singleElement()
                    .satisfies(m -> assertThat(m.subject()).isEqualTo(subject));
        }

        @Test
        void anotherTestOfTheSameClass(SaslRelay mail) {
            assertThat(mail.instance("isp").port("submission")).isPositive();
        }
    }

    @EnableSaslRelay
    static class A extends SendsOne {
    }

    @EnableSaslRelay
    static class B extends SendsOne {
    }

    @EnableSaslRelay
    static class C extends SendsOne {
    }

    @EnableSaslRelay
    static class D extends SendsOne {
    }

    @Test
    void classesRunInParallelEachWithItsOwnHarness() {
        Events events = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
                .selectors(selectClass(A.class), selectClass(B.class), selectClass(C.class), selectClass(D.class))
                .execute().testEvents();
        assertThat(events.failed().count()).as(events.failed().list().toString()).isZero();
        assertThat(events.succeeded().count()).isEqualTo(8);
        assertThat(PORTS).containsOnlyKeys("A", "B", "C", "D");
        assertThat(PASSWORDS.values()).hasSize(4).doesNotHaveDuplicates();
        assertThat(PORTS.values()).noneMatch(Mail::listening);
    }
}
