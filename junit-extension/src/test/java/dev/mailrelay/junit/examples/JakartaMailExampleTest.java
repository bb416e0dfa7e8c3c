package dev.mailrelay.junit.examples;

// tag::imports[]
import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
// end::imports[]

/**
 * An application's Jakarta Mail code submitting with STARTTLS required and AUTH through the default
 * topology: the application talks to {@code relay}, which relays over TLS through
 * {@code [mail.isp.example]:submission} with its own SASL credentials.
 */
// tag::class[]
@EnableSaslRelay
class JakartaMailExampleTest {

    /** What the application does in production; host, port, credentials and trust come from the test. */
    static void sendWelcome(String host, int port, String user, String password, SSLSocketFactory trust)
            throws Exception {
        Properties props = new Properties();            // your application's Jakarta Mail settings
        props.put("mail.smtp.host", host);
        props.put("mail.smtp.port", String.valueOf(port));
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        props.put("mail.smtp.ssl.socketFactory", trust);
        props.put("mail.smtp.ssl.checkserveridentity", "true");
        props.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("Welcome");
        message.setText("Thank you for signing up.\n");
        Transport.send(message, user, password);
    }

    @Test
    void theApplicationAuthenticatesAtTheRelay(SaslRelay mail) throws Exception {
        sendWelcome(mail.host(), mail.port(), mail.username(), mail.password(), mail.entry().sslSocketFactory());
        assertThat(mail.instance("relay")).receivedMessage()        // dev.mailrelay.junit.assertj.MailAssertions
                .isFrom("shop@example.com").isTo("bob@example.org").hasSubject("Welcome")
                .wasAuthenticatedAs(mail.username()).wasEncrypted().hasBodyContaining("Thank you");
    }

    @Test
    void theRelayAuthenticatesUpstreamAsItsOwnAccount(SaslRelay mail, @InstanceName("isp") RelayInstance isp)
            throws Exception {
        sendWelcome(mail.host(), mail.port(), mail.username(), mail.password(), mail.entry().sslSocketFactory());
        mail.flush();
        assertThat(isp).receivedMessage().hasSubject("Welcome")
                .wasAuthenticatedAs(isp.username())   // relay-user, from the relay's sasl_passwd
                .hasProtocol("ESMTPSA");               // the relay's smtp_tls_security_level = encrypt
        assertThat(mail.instance("relay")).deliveredMessage().wasSent().wasEncrypted();
    }

    @Test
    void submittingToTheIspDirectly(@InstanceName("isp") RelayInstance isp) throws Exception {
        sendWelcome(isp.host(), isp.port("submission"), isp.username(), isp.password(), isp.sslSocketFactory());
        assertThat(isp).receivedMessage().wasEncrypted().hasProtocol("ESMTPSA").wasAuthenticatedAs(isp.username());
    }
}
// end::class[]
