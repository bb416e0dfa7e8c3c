package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@code @Nested} classes share the enclosing harness; one with its own annotation gets its own. */
// tag::nested[]
@EnableSaslRelay(instances = @SaslInstance(name = "isp", myhostname = "mail.isp.example",
        users = "alice=wonderland", mechanisms = {"PLAIN", "LOGIN"}, masterCf = "submission inet n - n - - smtpd"))
class NestedExampleTest {

    static void send(RelayInstance isp, String user, String password, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", isp.host());
        p.put("mail.smtp.port", String.valueOf(isp.port("submission")));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN LOGIN");
        p.put("mail.smtp.timeout", "10000");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("alice@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        m.setSubject(subject);
        m.setText("hi\n");
        Transport.send(m, user, password);
    }

    @Nested
    class WithTheRightPassword {
        @Test
        void theMessageIsAccepted(@InstanceName("isp") RelayInstance isp) throws Exception {
            send(isp, "alice", "wonderland", "hello");
            assertThat(isp).receivedMessage().wasAuthenticatedAs("alice").usedMechanism("PLAIN");
        }
    }

    @Nested
    class WithAWrongPassword {
        @Test
        void postfixAnswers535(@InstanceName("isp") RelayInstance isp) {
            Assertions.assertThatThrownBy(() -> send(isp, "alice", "guess", "nope"))
                    .isInstanceOf(AuthenticationFailedException.class)
                    .hasMessageContaining("535 5.7.8 Error: authentication failed");
            assertThat(isp).hasNoMessages();
        }
    }

    @Nested
    @EnableSaslRelay(instances = @SaslInstance(name = "isp", users = "alice=other", mechanisms = "LOGIN",
            masterCf = "submission inet n - n - - smtpd"))
    class WithItsOwnServer {
        @Test
        void loginOnly(@InstanceName("isp") RelayInstance isp) throws Exception {
            send(isp, "alice", "other", "login");
            assertThat(isp).receivedMessage().usedMechanism("LOGIN");
        }
    }
}
// end::nested[]
