package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.SendFailedException;
import org.junit.jupiter.api.Test;

/** What {@code @EnableSaslRelay} alone starts. */
@EnableSaslRelay
class DefaultTopologyTest {

    @Test
    void twoInstancesRelayFirstOnTheirOwnLoopbackPorts(SaslRelay mail, @InstanceName("relay") RelayInstance relay,
                                                       @InstanceName("isp") RelayInstance isp) {
        assertThat(mail.instances()).extracting(RelayInstance::name).containsExactly("relay", "isp");
        assertThat(mail.entry()).isSameAs(relay);
        assertThat(relay.host()).isEqualTo("127.0.0.1");
        assertThat(relay.port()).isEqualTo(relay.port("smtp")).isPositive();
        assertThat(isp.port("submission")).isPositive().isNotEqualTo(relay.port());
        assertThat(mail.host()).isEqualTo(relay.host());
        assertThat(mail.port()).isEqualTo(relay.port());
    }

    @Test
    void theIspIsMailIspExampleRequiringTlsThenAuth(@InstanceName("isp") RelayInstance isp) throws Exception {
        assertThat(isp.hostname()).isEqualTo("mail.isp.example");
        // master.cf's submission as Postfix ships it: STARTTLS required, AUTH offered only over TLS.
        assertThat(Mail.ehlo(isp.host(), isp.port("submission")))
                .contains("250-STARTTLS").noneMatch(l -> l.contains("AUTH"));
        assertThatThrownBy(() -> Mail.send(isp.host(), isp.port("submission"), null, null,
                "app@example.com", "bob@example.org", "no tls"))
                .hasStackTraceContaining("530 5.7.0 Must issue a STARTTLS command first");
        assertThatThrownBy(() -> Mail.sendWithStarttls(isp.host(), isp.port("submission"), isp.sslSocketFactory(),
                null, null, "app@example.com", "bob@example.org", "no auth"))
                .isInstanceOf(SendFailedException.class)
                .hasStackTraceContaining("554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied");
        assertThat(isp).receivedMessages(0).hasNoMessages();
    }

    @Test
    void theRelayOffersStarttlsAndAuth(@InstanceName("relay") RelayInstance relay) {
        assertThat(Mail.ehlo(relay.host(), relay.port())).contains("250-STARTTLS")
                .anyMatch(l -> l.startsWith("250-AUTH "));
        assertThat(relay.parameters().get("smtpd_tls_security_level")).isEqualTo("may");
        assertThat(relay.parameters().get("smtp_tls_security_level")).isEqualTo("encrypt");
    }

    @Test
    void anApplicationThatRequiresStarttlsSubmitsWithTheAnnotationAlone(SaslRelay mail) throws Exception {
        Mail.sendWithStarttls(mail.host(), mail.port(), mail.entry().sslSocketFactory(), mail.username(),
                mail.password(), "app@example.com", "bob@example.org", "Over TLS");
        assertThat(mail.instance("relay")).receivedMessageWithSubject("Over TLS")
                .wasEncrypted().hasProtocol("ESMTPSA").wasAuthenticatedAs("app");
        mail.flush();
        assertThat(mail.instance("relay")).deliveredMessage().wasSent().wasEncrypted()
                .wentTo("[mail.isp.example]:submission").wasAuthenticatedAs("relay-user");
        assertThat(mail.instance("isp")).receivedMessageWithSubject("Over TLS")
                .wasEncrypted().hasProtocol("ESMTPSA").wasAuthenticatedAs("relay-user");
    }

    @Test
    void theRelayRelaysThroughTheIspWithGeneratedCredentials(@InstanceName("relay") RelayInstance relay,
                                                             @InstanceName("isp") RelayInstance isp) throws Exception {
        assertThat(relay.parameters().get("relayhost")).isEqualTo("[mail.isp.example]:submission");
        assertThat(relay.parameters().get("smtp_sasl_auth_enable")).isEqualTo("yes");
        assertThat(relay.parameters().get("smtp_sasl_password_maps")).isEqualTo("texthash:sasl_passwd");
        assertThat(relay.parameters().get("smtp_tls_security_level")).isEqualTo("encrypt");
        assertThat(relay.directory().resolve("sasl_passwd")).content()
                .isEqualTo("[mail.isp.example]:submission " + isp.username() + ":" + isp.password() + "\n");
        assertThat(isp.username()).isEqualTo("relay-user");
        assertThat(relay.username()).isEqualTo("app");
        assertThat(isp.password()).hasSize(20).isNotEqualTo(relay.password());
        assertThat(relay.toString()).doesNotContain(relay.password());
        assertThat(isp.toString()).doesNotContain(isp.password());
    }

    @Test
    void theApplicationSubmitsToTheRelayWithAuth(SaslRelay mail) throws Exception {
        Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com", "bob@example.org",
                "Welcome");
        assertThat(mail.instance("relay")).receivedMessage()
                .isFrom("app@example.com").isTo("bob@example.org").hasSubject("Welcome")
                .wasAuthenticatedAs("app").usedMechanism("PLAIN").hasProtocol("ESMTPA").wasNotEncrypted()
                .hasHeader("X-Mailer", "mailrelay-junit-test").hasBodyContaining("sent by Jakarta Mail");
    }

    @Test
    void loopbackClientsMayRelayWithoutAuth(SaslRelay mail) throws Exception {
        Mail.send(mail.host(), mail.port(), null, null, "app@example.com", "bob@example.org", "from mynetworks");
        assertThat(mail.instance("relay")).receivedMessage().wasNotAuthenticated().hasProtocol("ESMTP");
    }

    @Test
    void theRelayHandsTheMessageToTheIspAsRelayUser(SaslRelay mail) throws Exception {
        Mail.send(mail.host(), mail.port(), mail.username(), mail.password(), "app@example.com", "bob@example.org",
                "Upstream");
        mail.flush();
        assertThat(mail.instance("relay")).deliveredMessage().wasSent().wentTo("[mail.isp.example]:submission")
                .wasAuthenticatedAs("relay-user").wasEncrypted();
        assertThat(mail.instance("isp")).receivedMessageWithSubject("Upstream")
                .isFrom("app@example.com").isTo("bob@example.org").wasAuthenticatedAs("relay-user")
                .hasProtocol("ESMTPSA");
    }
}
