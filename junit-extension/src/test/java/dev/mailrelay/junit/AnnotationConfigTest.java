package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every attribute of {@link SaslInstance} ends up in the instance's Postfix configuration. */
@EnableSaslRelay(entry = "isp", instances = {
    @SaslInstance(name = "isp", myhostname = "mail.isp.example", hostnames = {"smtp.isp.example", "mx.isp.example"},
        mechanisms = {"LOGIN", "PLAIN", "CRAM-MD5"}, users = {"alice=secret", "bob"}, tls = "may",
        mainCf = {"smtpd_sasl_authenticated_header = yes", "message_size_limit = 1000000"},
        masterCf = {"submission inet n - n - - smtpd", "2525 inet n - n - - smtpd -o smtpd_sasl_auth_enable=no"},
        tables = @SaslInstance.Table(name = "sender_access", lines = {"spam@example.com REJECT"})),
    @SaslInstance(name = "relay2", relayhost = "[mail.isp.example]:submission")
})
class AnnotationConfigTest {

    @Test
    void parametersComeFromTheAttributes(@InstanceName("isp") RelayInstance isp) {
        assertThat(isp.hostname()).isEqualTo("mail.isp.example");
        assertThat(isp.hostnames()).containsExactly("smtp.isp.example", "mx.isp.example");
        assertThat(isp.parameters().get("smtpd_tls_security_level")).isEqualTo("may");
        assertThat(isp.parameters().get("smtpd_sasl_auth_enable")).isEqualTo("yes");
        assertThat(isp.parameters().get("message_size_limit")).isEqualTo("1000000");
        assertThat(isp.directory().resolve("sender_access")).content().isEqualTo("spam@example.com REJECT\n");
    }

    /** Postfix's SASL_README: password tables are for their owner only; the harness's own are, and do not warn. */
    @Test
    void theTablesTheHarnessWritesAreForItsOwnerOnly(@InstanceName("isp") RelayInstance isp) throws Exception {
        assertThat(isp.parameters().get("mailrelay_sasl_users")).isEqualTo("texthash:sasl_users");
        for (String table : List.of("sasl_users", "sender_access")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(isp.directory().resolve(table))))
                    .as(table).isEqualTo("rw-------");
        }
    }

    @Test
    void mechanismsAreTheMechListInItsOrder(@InstanceName("isp") RelayInstance isp) {
        assertThat(isp.directory().resolve("sasl/smtpd.conf")).content().contains("mech_list: LOGIN PLAIN CRAM-MD5");
        assertThat(Mail.ehlo(isp.host(), isp.port("submission"))).contains("250-AUTH LOGIN PLAIN CRAM-MD5");
    }

    @Test
    void masterCfServicesWithOverrides(@InstanceName("isp") RelayInstance isp) {
        assertThat(isp.listeners()).extracting(l -> l.service()).containsExactly("submission", "2525");
        assertThat(isp.port()).isEqualTo(isp.port("submission"));
        assertThat(Mail.ehlo(isp.host(), isp.port("2525"))).noneMatch(l -> l.contains("AUTH"));
    }

    @Test
    void declaredAndGeneratedPasswordsBothWork(@InstanceName("isp") RelayInstance isp, SaslRelay mail) throws Exception {
        assertThat(isp.usernames()).containsExactly("alice", "bob");
        assertThat(isp.password("alice")).isEqualTo("secret");
        assertThat(isp.password("bob")).hasSize(20);
        // Published under the names the Maven plugin uses for its generated passwords.
        assertThat(mail.properties()).containsEntry("mailrelay.isp.password.bob", isp.password("bob"))
                .containsEntry("mailrelay.isp.password.alice", "secret");
        Mail.send(isp.host(), isp.port("submission"), "bob", isp.password("bob"), "bob@example.org",
                "carol@example.net", "from bob");
        assertThat(isp).receivedMessage().wasAuthenticatedAs("bob").hasSubject("from bob");
    }

    @Test
    void anInstanceWithoutMasterCfGetsPostfixsSmtpService(@InstanceName("relay2") RelayInstance relay2, SaslRelay mail) {
        assertThat(relay2.listeners()).extracting(l -> l.service()).containsExactly("smtp");
        assertThat(relay2.parameters().get("relayhost")).isEqualTo("[mail.isp.example]:submission");
        assertThat(relay2.usernames()).isEmpty();
        assertThat(mail.entry().name()).isEqualTo("isp");
        assertThat(mail.username()).isEqualTo("alice");
    }
}
