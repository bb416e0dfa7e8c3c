package dev.mailrelay.junit.examples;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.junit.assertj.MailAssertions;
import org.junit.jupiter.api.Test;

/** {@code EnableSaslRelay}'s Javadoc example: the default topology, injected, asserted on. */
// tag::class[]
@EnableSaslRelay
class SignupMailTest {
    private final Shop app = new Shop();   // the application under test

    @Test
    void sendsTheWelcomeMail(SaslRelay mail, @InstanceName("isp") RelayInstance isp) throws Exception {
        app.configureSmtp(mail.host(), mail.port(), mail.username(), mail.password());
        app.signUp("bob@example.org");
        MailAssertions.assertThat(isp).receivedMessage().hasSubject("Welcome");
    }
}
// end::class[]
