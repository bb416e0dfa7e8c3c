package example;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

// tag::test[]
class WelcomeMailTest extends AbstractMailTest {

    @Autowired SignupMailer mailer;

    @Test
    void theWelcomeMailIsRelayedToTheIsp() {
        mailer.welcome("bob@example.org");

        assertThat(mail.instance("relay")).receivedMessage()
                .hasSubject("Welcome").wasAuthenticatedAs(mail.username()).wasEncrypted();
        assertThat(mail.instance("isp")).receivedMessage()
                .hasSubject("Welcome").isTo("bob@example.org").hasProtocol("ESMTPSA");
    }
}
// end::test[]
