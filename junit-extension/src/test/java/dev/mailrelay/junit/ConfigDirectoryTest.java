package dev.mailrelay.junit;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A configuration in the standalone layout, as a classpath resource: {@code postfix/isp} holds a
 * production-style main.cf, master.cf, a users table and sasl/smtpd.conf; {@code postfix/backup} a
 * second instance. A {@code @SaslInstance} with the same name adds to a directory instance.
 */
@EnableSaslRelay(configDirectory = "classpath:postfix",
        instances = @SaslInstance(name = "isp", users = "extra=extrapass", mainCf = "message_size_limit = 5000"))
class ConfigDirectoryTest {

    @Test
    void everySubdirectoryWithMainCfIsAnInstance(SaslRelay mail) {
        assertThat(mail.instances()).extracting(RelayInstance::name).containsExactly("backup", "isp");
        assertThat(mail.instance("backup").hostnames()).containsExactly("mx2.example.com");
        assertThat(mail.instance("backup").listeners()).extracting(l -> l.service()).containsExactly("smtp");
    }

    @Test
    void theProductionMainCfAndItsUsersTableRun(@InstanceName("isp") RelayInstance isp) throws Exception {
        assertThat(isp.hostname()).isEqualTo("mail.example.com");
        assertThat(Mail.ehlo(isp.host(), isp.port("submission")))
                .contains("250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5", "250-AUTH=PLAIN LOGIN CRAM-MD5 DIGEST-MD5");
        Mail.send(isp.host(), isp.port("submission"), "test", "testpass", "test@example.com", "bob@example.org",
                "from the production config");
        assertThat(isp).receivedMessage().wasAuthenticatedAs("test").usedMechanism("PLAIN");
    }

    @Test
    void annotationSettingsAddToTheDirectoryInstance(@InstanceName("isp") RelayInstance isp) {
        assertThat(isp.parameters().get("message_size_limit")).isEqualTo("5000");
        assertThat(isp.parameters().get("mailrelay_sasl_users")).isEqualTo("texthash:sasl_users");
        assertThat(isp.password("extra")).isEqualTo("extrapass");
    }

    /** A path relative to the working directory works as well; the nested class declares its own harness. */
    @Nested
    @EnableSaslRelay(configDirectory = "src/test/resources/postfix/backup")
    class SingleInstanceDirectory {

        @Test
        void theDirectoryItselfIsOneInstanceNamedAfterIt(SaslRelay mail) {
            assertThat(mail.instances()).extracting(RelayInstance::name).containsExactly("backup");
            assertThat(mail.entry().hostname()).isEqualTo("backup.example.com");
        }
    }
}
