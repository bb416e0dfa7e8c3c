package dev.mailrelay.junit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.CaptureTimeoutException;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.Mail;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The README's explicit two-instance example: {@code relayhost}, {@code tables} and {@code tls} as
 * attributes, what a delivery attempt records, and how a wait that runs out fails.
 */
// tag::relayhost[]
@EnableSaslRelay(instances = {
    @SaslInstance(name = "isp", myhostname = "mail.isp.example", users = "relay-user=s3cret",
        mechanisms = {"PLAIN", "LOGIN"}, tls = "may",
        mainCf = {"smtpd_relay_restrictions = permit_sasl_authenticated, reject", "default_transport = discard"},
        masterCf = "submission inet n - n - - smtpd"),
    @SaslInstance(name = "relay", myhostname = "relay.example.com", relayhost = "[mail.isp.example]:submission",
        mainCf = {"smtp_sasl_auth_enable = yes", "smtp_sasl_password_maps = texthash:sasl_passwd",
                  "smtp_sasl_security_options = noanonymous", "smtp_tls_security_level = encrypt"},
        tables = @SaslInstance.Table(name = "sasl_passwd",
            lines = "[mail.isp.example]:submission relay-user:s3cret"))
})
// end::relayhost[]
class RelayhostExampleTest {

    @Test
    void theRelayDeliversThroughItsRelayhost(@InstanceName("relay") RelayInstance relay,
            @InstanceName("isp") RelayInstance isp) throws Exception {
        Mail.send(relay.host(), relay.port(), null, null, "shop@example.com", "bob@example.org", "Welcome");
        // tag::deliveries[]
        DeliveryAttempt d = relay.awaitDeliveries(1).get(0);       // dev.mailrelay.capture.DeliveryAttempt
        assertThat(d.status()).isEqualTo(DeliveryAttempt.Status.SENT);
        assertThat(d.nextHop()).isEqualTo("[mail.isp.example]:submission");   // as configured
        assertThat(d.relay()).startsWith("mail.isp.example[127.0.0.1]:");     // host[address]:port reached
        assertThat(d.saslMethod()).isEqualTo("PLAIN");
        assertThat(d.saslUsername()).isEqualTo("relay-user");
        assertThat(d.tls().protocol()).startsWith("TLSv1.");                 // null without TLS
        assertThat(d.reply()).startsWith("250 2.0.0 Ok: queued as ");        // the upstream's answer
        assertThat(d.recipients()).containsExactly("bob@example.org");
        // end::deliveries[]
        assertThat(isp.awaitMessages(1).get(0).subject()).isEqualTo("Welcome");
    }

    @Test
    void aWaitThatRunsOutFailsTheTest(@InstanceName("isp") RelayInstance isp) {
        // tag::timeout[]
        assertThatThrownBy(() -> isp.awaitMessages(1, Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)                      // a test failure, not an error
                .hasCauseInstanceOf(CaptureTimeoutException.class)       // the core's, a RuntimeException
                .hasMessageStartingWith("expected at least 1 message(s) at instance isp within PT0.2S");
        // end::timeout[]
    }
}
