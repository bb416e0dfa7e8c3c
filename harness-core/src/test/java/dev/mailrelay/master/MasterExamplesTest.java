package dev.mailrelay.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailrelay.capture.CapturedMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples in the Javadoc of {@code dev.mailrelay.master}, as they are printed there. */
class MasterExamplesTest {

    @Test
    void harness() throws Exception {
        // tag::harness[]
        try (Harness harness = Harness.start(List.of(
                InstanceConfig.named("isp").mainCf("smtpd_sasl_auth_enable = yes\n"
                        + "mailrelay_sasl_users = inline:{ alice=secret }")), true)) {
            int port = harness.instance("isp").port("smtp");
            TheApplication.send(port, "alice", "secret", "Hello");   // the application under test
            CapturedMessage m = harness.instance("isp").capture().awaitMessages(1, Duration.ofSeconds(10)).get(0);
            assertEquals("alice", m.saslUsername());
        }
        // end::harness[]
    }

    @Test
    void instanceConfig() {
        // tag::instance-config[]
        InstanceConfig isp = InstanceConfig.named("isp")
            .mainCf("""
                myhostname = mail.isp.example
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = inline:{ alice=secret }
                """)
            .masterCf("submission inet n - n - - smtpd");
        // end::instance-config[]
        try (Harness harness = Harness.start(List.of(isp), true)) {
            assertEquals("mail.isp.example", harness.instance("isp").parameters().get("myhostname"));
            assertTrue(harness.instance("isp").port("submission") > 0);
        }
    }

    @Test
    void instance() throws Exception {
        try (Harness harness = Harness.start(List.of(InstanceConfig.named("isp")
                .mainCf("smtpd_sasl_auth_enable = yes\nmailrelay_sasl_users = inline:{ alice=secret }")
                .masterCf("submission inet n - n - - smtpd")), true)) {
            // tag::instance[]
            Instance isp = harness.instance("isp");
            int port = isp.port("submission");
            TheApplication.send(port, "alice", "secret", "Hello");   // the application under test
            CapturedMessage m = isp.capture().awaitMessages(1, Duration.ofSeconds(5)).get(0);
            // end::instance[]
            assertEquals("Hello", m.subject());
        }
    }

    @Test
    void instanceDirectory(@TempDir Path dir) throws Exception {
        // tag::instance-directory[]
        InstanceConfig isp = InstanceDirectory.named("isp")
            .parameter("myhostname", "mail.isp.example")
            .user("relay-user", "s3cret")                  // sasl_users, 0600; smtpd_sasl_auth_enable = yes
            .user("app")                                   // a generated password, see users()
            .mechanisms(List.of("PLAIN", "LOGIN"))         // mech_list in sasl/<smtpd_sasl_path>.conf
            .mainCf("smtpd_tls_security_level = may")
            .masterCf("submission inet n - n - - smtpd")
            .write(dir.resolve("isp"));
        // end::instance-directory[]
        assertTrue(Files.readString(dir.resolve("isp/sasl_users")).contains("relay-user s3cret"));
        try (Harness harness = Harness.start(List.of(isp), true)) {
            TheApplication.send(harness.instance("isp").port("submission"), "relay-user", "s3cret", "Hello");
            assertEquals("relay-user", harness.instance("isp").capture().awaitMessages(1, Duration.ofSeconds(10))
                    .get(0).saslUsername());
        }
    }

    @Test
    void publishedProperties() {
        try (Harness harness = Harness.start(List.of(InstanceConfig.named("relay")), true)) {
            // tag::published-properties[]
            Map<String, String> p = PublishedProperties.of(harness)
                .users("relay", Map.of("app", "s3cret"))
                .entry("relay")
                .toMap();
            p.get("spring.mail.port");                 // the relay's first port
            p.get("mailrelay.relay.password.app");     // s3cret
            // end::published-properties[]
            assertEquals(String.valueOf(harness.instance("relay").port("smtp")), p.get("spring.mail.port"));
            assertEquals("s3cret", p.get("mailrelay.relay.password.app"));
        }
    }

    @Test
    void instanceFaultsAndMechanisms() {
        try (Harness harness = Harness.start(List.of(InstanceConfig.named("isp")
                .mainCf("smtpd_sasl_auth_enable = yes\nmailrelay_sasl_users = inline:{ alice=secret }")
                .masterCf("submission inet n - n - - smtpd")), true)) {
            Instance isp = harness.instance("isp");
            // tag::faults[]
            isp.faults().onAuth().next(2).reply("454 4.7.0 Temporary authentication failure");
            isp.faults().clear();
            // end::faults[]
            assertTrue(isp.faults().list().isEmpty());
            // tag::sasl-mechanisms[]
            List<String> offered = isp.saslMechanisms("submission", true);   // what EHLO offers after STARTTLS
            // end::sasl-mechanisms[]
            assertTrue(offered.containsAll(List.of("PLAIN", "LOGIN")));
        }
    }

    @Test
    void heldMail() throws Exception {
        try (Harness harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = inline:{ alice=secret }
                smtpd_recipient_restrictions = check_recipient_access inline:{ bob@example.org=HOLD }, permit
                default_transport = discard
                """)), true)) {
            Instance instance = harness.instance("isp");
            TheApplication.send(instance.port("smtp"), "alice", "secret", "Hello");
            // tag::queue-flags[]
            CapturedMessage m = instance.capture().awaitMessages(1, Duration.ofSeconds(5)).get(0);
            assertTrue(m.flags().hold());          // an access table said HOLD: queued, not delivered
            // end::queue-flags[]
            assertEquals(1, instance.heldMailCount());
            // tag::release-held-mail[]
            instance.releaseHeldMail();
            instance.capture().awaitDeliveries(1, Duration.ofSeconds(10));
            // end::release-held-mail[]
            assertEquals(0, instance.heldMailCount());
        }
    }
}
