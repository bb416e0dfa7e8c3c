package dev.mailrelay.it.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.faults.Fault;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailSendException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * The README's Spring example of fault injection: an application that sends with Spring's
 * {@link JavaMailSenderImpl} and tries again when the server answers 4xx, tested against a relay that
 * fails on purpose. Spring wraps the server's reply in a {@link MailSendException}; the reply code is
 * in the {@link SMTPSendFailedException} it holds for the message.
 */
@EnableSaslRelay
class ShippingMailFaultTest {

    // tag::application[]
    /** The application's mail code: a temporary (4xx) failure is tried again, up to three times. */
    static void sendShippedMail(JavaMailSender sender) {
        SimpleMailMessage mail = new SimpleMailMessage();
        mail.setFrom("shop@example.com");
        mail.setTo("bob@example.org");
        mail.setSubject("Shipped");
        mail.setText("Your order has shipped.");
        for (int attempt = 1; ; attempt++) {
            try {
                sender.send(mail);
                return;
            } catch (MailSendException e) {
                if (!temporary(e) || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Whether the server's reply to the message was 4xx (Spring keeps it per failed message). */
    static boolean temporary(MailSendException e) {
        for (Exception cause : e.getFailedMessages().values()) {
            if (cause instanceof SMTPSendFailedException smtp && smtp.getReturnCode() / 100 == 4) {
                return true;
            }
        }
        return false;
    }
    // end::application[]

    /** The sender as Spring Boot builds it from spring.mail.* (here from the harness). */
    static JavaMailSenderImpl sender(SaslRelay mail) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost(mail.host());
        sender.setPort(mail.port());
        sender.setUsername(mail.username());
        sender.setPassword(mail.password());
        Properties props = new Properties();
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.timeout", "10000");
        sender.setJavaMailProperties(props);
        return sender;
    }

    // tag::tests[]
    @Test
    void aTemporaryFailureIsTriedAgain(SaslRelay mail, @InstanceName("relay") RelayInstance relay) {
        Fault fault = relay.faults().onData().next(1).reply("451 4.3.0 Error: queue file write error");
        sendShippedMail(sender(mail));
        assertThat(fault.injected()).isEqualTo(1);                  // the first try failed ...
        assertThat(relay.awaitMessages(1)).hasSize(1);               // ... the second got through, once
    }

    @Test
    void aPermanentFailureReachesTheCaller(SaslRelay mail, @InstanceName("relay") RelayInstance relay) {
        relay.faults().onMail().from("shop@example\\.com")
                .reply("553 5.7.1 <shop@example.com>: Sender address rejected: not owned by user");
        assertThatThrownBy(() -> sendShippedMail(sender(mail)))
                .isInstanceOfSatisfying(MailSendException.class, e -> assertThat(e.getFailedMessages().values())
                        .singleElement().asString().contains("553 5.7.1 <shop@example.com>: Sender address rejected"));
        assertThat(relay.capture().injectedFaults()).hasSize(1);     // one try only
        assertThat(relay.messages()).isEmpty();
    }
    // end::tests[]
}
