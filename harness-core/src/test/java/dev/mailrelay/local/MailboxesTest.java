package dev.mailrelay.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class MailboxesTest {

    @Test
    void localMailIsReadableOverImapAndPop3WithTheSaslCredentials() throws Exception {
        try (Harness h = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mailrelay_mailboxes = yes
                mailrelay_sasl_users = inline:{ bob@isp.example=builder }
                """).masterCf("smtp inet n - n - - smtpd")), true)) {
            Instance isp = h.instance("isp");
            Properties props = new Properties();
            props.put("mail.smtp.host", "127.0.0.1");
            props.put("mail.smtp.port", String.valueOf(isp.port("smtp")));
            Session session = Session.getInstance(props);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("alice@elsewhere.example"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@isp.example"));
            m.setSubject("for the mailbox");
            m.setText("read me over IMAP\n");
            Transport.send(m);
            DeliveryAttempt d = isp.capture().awaitDelivery(a -> a.transport().equals("local"), Duration.ofSeconds(10));
            assertThat(d.reply()).isEqualTo("delivered to mailbox");

            for (String protocol : List.of("imap", "pop3")) {
                try (Store store = session.getStore(protocol)) {
                    store.connect("127.0.0.1", isp.port(protocol), "bob@isp.example", "builder");
                    Folder inbox = store.getFolder("INBOX");
                    inbox.open(Folder.READ_ONLY);
                    assertThat(inbox.getMessages()).extracting(Message::getSubject).containsExactly("for the mailbox");
                    inbox.close(false);
                }
            }
        }
    }
}
