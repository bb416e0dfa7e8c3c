package example;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The second class: Spring hands it the context cached for the first, which still reaches the harness. */
class PasswordResetMailTest extends AbstractMailTest {

    @Autowired SignupMailer mailer;

    @Test
    void thePasswordResetMailIsRelayedToTheIsp() {
        mailer.passwordReset("carol@example.org");

        assertThat(mail.instance("relay")).receivedMessage()
                .hasSubject("Reset your password").wasAuthenticatedAs(mail.username()).wasEncrypted();
        assertThat(mail.instance("isp")).receivedMessage()
                .hasSubject("Reset your password").isTo("carol@example.org");
    }
}
