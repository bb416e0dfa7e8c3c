package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** A harness that cannot start fails its class with the configuration error and leaves nothing running. */
class StartupFailureTest {

    static int fixedPort;

    static Events run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute().allEvents();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** "first" binds a fixed port and starts; "second" has a malformed parameter. */
    static class BadParameter {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("first").masterCf("127.0.0.1:" + fixedPort + " inet n - n - - smtpd"))
                .instance(InstanceSpec.named("second").mainCf("smtpd_sasl_auth_enable = perhaps"))
                .ephemeralPorts(false)
                .build();

        @Test
        void neverRuns() {
        }
    }

    @Test
    void aBadParameterFailsTheClassNamingItAndStopsWhatHadStarted() throws IOException {
        fixedPort = freePort();
        Events events = run(BadParameter.class);
        events.assertThatEvents().haveExactly(1, event(container(BadParameter.class), finishedWithFailure(
                instanceOf(ExtensionConfigurationException.class),
                message(m -> m.contains("cannot start the harness for " + BadParameter.class.getName())
                        && m.contains("smtpd_sasl_auth_enable")))));
        assertThat(events.started().count() - events.finished().count()).isZero();
        assertThat(events.filter(e -> e.getTestDescriptor().isTest()).count()).isZero();
        assertThat(Mail.listening(fixedPort)).as("the first instance was stopped").isFalse();
    }

    /** The port master.cf names is taken by someone else. */
    static class PortTaken {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("busy").masterCf("127.0.0.1:" + fixedPort + " inet n - n - - smtpd"))
                .ephemeralPorts(false)
                .build();

        @Test
        void neverRuns() {
        }
    }

    @Test
    void aTakenPortFailsTheClass() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            fixedPort = taken.getLocalPort();
            run(PortTaken.class).assertThatEvents().haveExactly(1, event(container(PortTaken.class),
                    finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
                            message(m -> m.contains("instance busy: cannot bind")))));
        }
    }

    @EnableSaslRelay(instances = @SaslInstance(name = "only"))
    static class UnknownInstance {
        @Test
        void wantsAnother(@InstanceName("other") RelayInstance other) {
        }
    }

    @Test
    void injectingAnUndeclaredInstanceFailsTheTestNamingTheDeclaredOnes() {
        run(UnknownInstance.class).failed().assertThatEvents().haveExactly(1, finishedWithFailure(
                instanceOf(ParameterResolutionException.class),
                message(m -> m.contains("no instance named other; running: [only]"))));
    }

    @EnableSaslRelay(instances = @SaslInstance(name = "isp", users = "alice=secret", mechanisms = {"PLAIN", "LOGN"}))
    static class MisspelledMechanism {
        @Test
        void neverRuns() {
        }
    }

    @Test
    void aMisspelledMechanismFailsTheClassNamingItAndTheValidOnes() {
        run(MisspelledMechanism.class).assertThatEvents().haveExactly(1, event(container(MisspelledMechanism.class),
                finishedWithFailure(instanceOf(ExtensionConfigurationException.class), message(m -> m.endsWith(
                        "instance isp: mechanisms: unknown SASL mechanism \"LOGN\" (mailrelay implements: "
                        + "SCRAM-SHA-512 SCRAM-SHA-384 SCRAM-SHA-256 SCRAM-SHA-224 SCRAM-SHA-1 DIGEST-MD5 CRAM-MD5 "
                        + "PLAIN LOGIN OAUTHBEARER XOAUTH2 ANONYMOUS)")))));
    }

    @EnableSaslRelay(configDirectory = "classpath:no/such/dir")
    static class MissingConfig {
        @Test
        void neverRuns() {
        }
    }

    @Test
    void aMissingConfigDirectoryFailsTheClass() {
        run(MissingConfig.class).assertThatEvents().haveExactly(1, event(container(MissingConfig.class),
                finishedWithFailure(message(m -> m.contains("configDirectory classpath:no/such/dir: no such classpath resource")))));
    }
}
