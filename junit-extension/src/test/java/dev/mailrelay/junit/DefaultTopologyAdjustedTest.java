package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code defaultTopology = true}: declared instances named like a default one adjust it instead of
 * replacing the topology; other declared instances join it.
 */
@EnableSaslRelay(defaultTopology = true, instances = {
    @SaslInstance(name = "relay", tls = "encrypt", users = "billing=billing-secret",
        mainCf = "smtpd_sasl_authenticated_header = yes"),
    @SaslInstance(name = "partner", myhostname = "mail.partner.example", users = "partner-user",
        masterCf = "submission inet n - n - - smtpd")
})
class DefaultTopologyAdjustedTest {

    @Test
    void theDefaultRelayIsKeptAndAdjusted(SaslRelay mail, @InstanceName("relay") RelayInstance relay) {
        assertThat(mail.instances()).extracting(RelayInstance::name).containsExactly("relay", "isp", "partner");
        assertThat(mail.entry()).isSameAs(relay);
        // The default's settings stay ...
        assertThat(relay.hostname()).isEqualTo("relay.example.com");
        assertThat(relay.parameters().get("relayhost")).isEqualTo("[mail.isp.example]:submission");
        assertThat(relay.parameters().get("smtp_tls_security_level")).isEqualTo("encrypt");
        assertThat(relay.usernames()).containsExactly("app", "billing");
        assertThat(relay.username()).isEqualTo("app");
        // ... and the declared ones apply over them.
        assertThat(relay.parameters().get("smtpd_tls_security_level")).isEqualTo("encrypt");
        assertThat(relay.parameters().get("smtpd_sasl_authenticated_header")).isEqualTo("yes");
        assertThat(relay.password("billing")).isEqualTo("billing-secret");
        assertThat(Mail.ehlo(relay.host(), relay.port())).contains("250-STARTTLS").noneMatch(l -> l.contains("AUTH"));
    }

    @Test
    void theAdjustedRelayStillRelaysToTheDefaultIsp(SaslRelay mail, @InstanceName("isp") RelayInstance isp)
            throws Exception {
        Mail.sendWithStarttls(mail.host(), mail.port(), mail.entry().sslSocketFactory(), "billing",
                mail.entry().password("billing"), "billing@example.com", "bob@example.org", "Invoice");
        mail.flush();
        assertThat(isp).receivedMessageWithSubject("Invoice").wasAuthenticatedAs("relay-user").hasProtocol("ESMTPSA");
    }

    @Test
    void otherDeclaredInstancesJoin(@InstanceName("partner") RelayInstance partner) {
        assertThat(partner.hostname()).isEqualTo("mail.partner.example");
        assertThat(partner.username()).isEqualTo("partner-user");
        assertThat(partner.listeners()).extracting(l -> l.service()).containsExactly("submission");
    }
}
