package dev.mailrelay.junit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.tls.CertificateFlaw;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;

/**
 * The README's fault injection examples, in the default topology (the application submits to
 * {@code relay}, which relays to {@code isp}): how a team asserts its application's retry policy and
 * what its relay does when the ISP fails.
 */
@EnableSaslRelay
class FaultInjectionExampleTest {

    // tag::application[]
    /** The application's sending code: a temporary (4xx) failure is tried again, up to three times. */
    static void sendWithRetry(SaslRelay mail, String subject) throws MessagingException {
        Properties props = new Properties();
        props.put("mail.smtp.host", mail.host());
        props.put("mail.smtp.port", String.valueOf(mail.port()));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.ssl.socketFactory", mail.entry().sslSocketFactory());
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipients(MimeMessage.RecipientType.TO, "bob@example.org");
        message.setSubject(subject);
        message.setText("Your order has shipped.\n");
        for (int attempt = 1; ; attempt++) {
            try {
                Transport.send(message, mail.username(), mail.password());
                return;
            } catch (SMTPSendFailedException e) {    // org.eclipse.angus.mail.smtp: the server's reply code
                if (e.getReturnCode() / 100 != 4 || attempt == 3) {
                    throw e;                           // permanent, or tried often enough
                }
            }
        }
    }
    // end::application[]

    @Test
    void whereWhenAndWhat(@InstanceName("isp") RelayInstance isp) {
        // tag::api[]
        Faults faults = isp.faults();                                    // dev.mailrelay.faults.Faults
        faults.onConnect().next(1).reply("421 4.3.2 Service not available");   // the next session only
        faults.onConnect().delay(Duration.ofSeconds(2));                  // before every greeting
        faults.onConnect().refuse();                                      // listeners closed until removed
        faults.onStarttls().handshakeFailure();                           // 220, then the connection closes
        faults.onStarttls().certificate(CertificateFlaw.WRONG_NAME);      // or EXPIRED, from the harness CA
        faults.onAuth().mechanism("PLAIN").reply("454 4.7.0 Temporary authentication failure");
        faults.onAuth().login("relay-user").reply("535 5.7.8 Error: authentication failed: account disabled");
        faults.onMail().from(".*@example\\.com").reply("451 4.3.0 Temporary lookup failure");
        faults.onRcpt().to("bob@.*").withProbability(0.3, 42L).reply("450 4.2.0 Mailbox busy");
        faults.onData().reply("552 5.3.4 Message too big");               // after the content, nothing queued
        Fault duplicate = faults.onData().next(1).disconnect();           // queued, then no reply
        faults.onCommand("EHLO").reply("421 4.7.0 Too many connections"); // any command, before it runs
        duplicate.remove();                                               // one fault
        faults.clear();                                                   // all (also done after each test)
        // end::api[]
        assertThat(duplicate.active()).isFalse();
        assertThat(faults.list()).isEmpty();
    }

    @Test
    void oneFaultForThisTest(@InstanceName("isp") RelayInstance isp) {
        // tag::relay-instance-faults[]
        isp.faults().onAuth().next(1).reply("454 4.7.0 Temporary authentication failure");
        // end::relay-instance-faults[]
        assertThat(isp.faults().list()).hasSize(1);
    }

    // tag::retry[]
    @Test
    void theApplicationRetriesATemporaryFailure(SaslRelay mail, @InstanceName("relay") RelayInstance relay) throws Exception {
        Fault fault = relay.faults().onData().next(1).reply("451 4.3.0 Error: queue file write error");
        sendWithRetry(mail, "Shipped");
        assertThat(fault.injected()).isEqualTo(1);                  // the first try failed ...
        assertThat(relay.awaitMessages(1)).hasSize(1);               // ... the retry got exactly one message through
        assertThat(relay.capture().injectedFaults()).hasSize(1);
    }

    @Test
    void theApplicationDoesNotRetryAPermanentFailure(SaslRelay mail, @InstanceName("relay") RelayInstance relay) {
        relay.faults().onData().reply("554 5.7.1 Message rejected");
        assertThatThrownBy(() -> sendWithRetry(mail, "Shipped"))
                .isInstanceOf(SMTPSendFailedException.class).hasMessageContaining("554 5.7.1 Message rejected");
        assertThat(relay.messages()).isEmpty();
        assertThat(relay.capture().injectedFaults()).hasSize(1);    // one try only
    }
    // end::retry[]

    // tag::relay[]
    @Test
    void theRelayDefersWhenTheIspFailsAndDeliversOnTheRetry(SaslRelay mail,
            @InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp) throws Exception {
        isp.faults().onRcpt().to("bob@example\\.org").next(1).reply("450 4.2.0 Mailbox busy");
        sendWithRetry(mail, "Shipped");           // the relay accepts it: the ISP's trouble is the relay's
        DeliveryAttempt deferred = relay.awaitDeliveries(1).get(0);
        assertThat(deferred.status()).isEqualTo(DeliveryAttempt.Status.DEFERRED);
        assertThat(deferred.reply()).isEqualTo("host mail.isp.example[127.0.0.1] said: 450 4.2.0 "
                + "Mailbox busy (in reply to RCPT TO command)");
        relay.flush();                            // postqueue -f instead of waiting for the backoff
        assertThat(isp.awaitMessages(1)).hasSize(1);
        assertThat(relay.awaitDelivery(d -> d.status() == DeliveryAttempt.Status.SENT).saslUsername())
                .isEqualTo(isp.username());
    }
    // end::relay[]
}
