package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import dev.mailrelay.junit.InstanceSpec;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.junit.SaslRelayExtension;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The programmatic form: configuration computed in Java, a fresh harness for each test. */
class ComputedConfigExampleTest {

    // tag::builder[]
    static final String TENANT = "tenant-" + UUID.randomUUID().toString().substring(0, 8);   // computed at run time

    @RegisterExtension
    static SaslRelayExtension mail = SaslRelayExtension.builder()
            .defaultTopology()
            .instance(InstanceSpec.named(TENANT)
                    .myhostname(TENANT + ".mail.example")
                    .user(TENANT + "-svc")                       // password generated per harness
                    .mechanisms("PLAIN")
                    .mainCf("message_size_limit = " + 64 * 1024)
                    .masterCf("submission inet n - n - - smtpd"))
            .instance(InstanceSpec.named("relay")                 // adjusts the default relay
                    .mainCf("smtpd_sasl_authenticated_header = yes"))
            .entry(TENANT)
            .lifecycle(Lifecycle.PER_METHOD)
            .build();
    // end::builder[]

    @Test
    void theComputedInstanceIsTheEntry(SaslRelay harness) throws Exception {
        RelayInstance tenant = harness.entry();
        Properties p = new Properties();
        p.put("mail.smtp.host", harness.host());
        p.put("mail.smtp.port", String.valueOf(harness.port()));
        p.put("mail.smtp.auth", "true");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("svc@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        m.setSubject("tenant mail");
        m.setText("hi\n");
        Transport.send(m, harness.username(), harness.password());

        assertThat(tenant).receivedMessage().wasAuthenticatedAs(TENANT + "-svc");
        org.assertj.core.api.Assertions.assertThat(harness.instance("relay").parameters()
                .get("smtpd_sasl_authenticated_header")).isEqualTo("yes");
    }
}
