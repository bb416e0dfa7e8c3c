package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * SOHO_README's "Configuring Sender-Dependent SASL authentication", as the document writes it (with
 * its client section's TLS lines: plaintext mechanisms are allowed only over TLS): one relay, three
 * providers, and the test asserts which upstream login carried each message. The README's example.
 */
// tag::soho[]
@EnableSaslRelay(instances = {
    @SaslInstance(name = "relay", myhostname = "soho.example.com",
        mainCf = {
            "smtp_sender_dependent_authentication = yes",
            "sender_dependent_relayhost_maps = texthash:sender_relay",
            "smtp_sasl_auth_enable = yes",
            "smtp_tls_security_level = encrypt",
            "smtp_sasl_tls_security_options = noanonymous",
            "smtp_sasl_password_maps = texthash:sasl_passwd",
            "relayhost = [mail.isp.example]"},
        tables = {
            @SaslInstance.Table(name = "sasl_passwd", lines = {
                "# Per-sender authentication; see also /etc/postfix/sender_relay.",
                "user1@example.com               username1:password1",
                "user2@example.net               username2:password2",
                "# Login information for the default relayhost.",
                "[mail.isp.example]              username:password"}),
            @SaslInstance.Table(name = "sender_relay", lines = {
                "# Per-sender provider; see also /etc/postfix/sasl_passwd.",
                "user1@example.com               [mail.example.com]:submission",
                "user2@example.net               [mail.example.net]"})}),
    @SaslInstance(name = "isp", myhostname = "mail.isp.example", users = "username=password", tls = "may"),
    @SaslInstance(name = "example-com", myhostname = "mail.example.com", users = "username1=password1",
        mechanisms = {"PLAIN", "LOGIN"}, tls = "may", masterCf = "submission inet n - n - - smtpd"),
    @SaslInstance(name = "example-net", myhostname = "mail.example.net", users = "username2=password2", tls = "may")
})
// end::soho[]
class SohoPerSenderExampleTest {

    static void send(RelayInstance relay, String from, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", relay.host());
        props.put("mail.smtp.port", String.valueOf(relay.port()));
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress(from));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("friend@example.org"));
        message.setSubject(subject);
        message.setText("hello\n");
        Transport.send(message);   // from mynetworks: no AUTH needed at the relay
    }

    @Test
    void eachSenderLeavesThroughItsOwnProviderWithItsOwnLogin(
            @InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp,
            @InstanceName("example-com") RelayInstance exampleCom, @InstanceName("example-net") RelayInstance exampleNet)
            throws Exception {
        send(relay, "user1@example.com", "from user1");
        send(relay, "user2@example.net", "from user2");
        send(relay, "someone@soho.example.com", "from someone else");
        relay.flush();

        assertThat(exampleCom).receivedMessageWithSubject("from user1").wasAuthenticatedAs("username1");
        assertThat(exampleNet).receivedMessageWithSubject("from user2").wasAuthenticatedAs("username2");
        assertThat(isp).receivedMessageWithSubject("from someone else").wasAuthenticatedAs("username");

        assertThat(relay).deliveredMessage(d -> d.sender().equals("user1@example.com"))
                .wasSent().wentTo("[mail.example.com]:submission").wasAuthenticatedAs("username1")
                .usedMechanism("PLAIN").wasEncrypted();
    }
}
