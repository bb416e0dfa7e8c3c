package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What the default relay answers a client that relays without AUTH: loopback is in its mynetworks;
 * anyone else gets Postfix's default 454 (defer_unauth_destination), or 554 with reject_unauth_destination.
 */
class RelayAccessExampleTest {

    static void sendWithoutAuth(SaslRelay mail, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", mail.host());
        props.put("mail.smtp.port", String.valueOf(mail.port()));
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject(subject);
        message.setText("hello\n");
        Transport.send(message);
    }

    @Nested
    @EnableSaslRelay
    class ByDefault {
        @Test
        void loopbackRelaysWithoutAuth(SaslRelay mail) throws Exception {
            sendWithoutAuth(mail, "from loopback");
            assertThat(mail.instance("relay")).receivedMessage().wasNotAuthenticated();
        }
    }

    @Nested
    @EnableSaslRelay(defaultTopology = true, instances = @SaslInstance(name = "relay", mainCf = "mynetworks ="))
    class OutsideMynetworks {
        @Test
        void isDeferredWith454(SaslRelay mail) {
            assertThatThrownBy(() -> sendWithoutAuth(mail, "no auth"))
                    .isInstanceOf(SendFailedException.class)
                    .hasStackTraceContaining("454 4.7.1 <bob@example.org>: Relay access denied");
        }
    }

    @Nested
    // tag::reject[]
    @EnableSaslRelay(defaultTopology = true, instances = @SaslInstance(name = "relay", mainCf = {
        "mynetworks =",
        "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"}))
    // end::reject[]
    class WithRejectUnauthDestination {
        @Test
        void isRejectedWith554(SaslRelay mail) {
            assertThatThrownBy(() -> sendWithoutAuth(mail, "no auth"))
                    .isInstanceOf(SendFailedException.class)
                    .hasStackTraceContaining("554 5.7.1 <bob@example.org>: Relay access denied");
        }
    }
}
