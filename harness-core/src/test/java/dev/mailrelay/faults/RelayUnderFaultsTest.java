package dev.mailrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.CertificateFlaw;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seeds' relay (SASL_README's relayhost with sender-dependent credentials, SOHO_README's
 * {@code smtp_sasl_security_options = noanonymous}) towards an ISP instance that fails on purpose:
 * what the relay then does must be what Postfix 3.7's smtp(8) and qmgr(8) do.
 */
@Timeout(60)
class RelayUnderFaultsTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    static InstanceConfig isp(String name, String hostname) {
        return InstanceConfig.named(name).mainCf("""
                myhostname = %s
                mydestination = $myhostname
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                default_transport = discard
                mailrelay_sasl_users = inline:{ alice@isp.example=wonderland }
                smtpd_tls_security_level = may
                """.formatted(hostname)).masterCf("submission inet n - n - - smtpd");
    }

    /** The relay: per-sender credentials (SASL_README), every retry only when a test flushes, unless told. */
    static InstanceConfig relay(String relayhost, String extra) {
        return InstanceConfig.named("relay").mainCf("""
                myhostname = relay.box.local
                mydestination = $myhostname, box.local
                relayhost = %s
                smtp_sasl_auth_enable = yes
                smtp_sender_dependent_authentication = yes
                smtp_sasl_password_maps = inline:{ me@box.local=alice@isp.example:wonderland }
                smtp_sasl_security_options = noanonymous
                minimal_backoff_time = 1h
                maximal_backoff_time = 2h
                %s
                """.formatted(relayhost, extra)).masterCf("smtp inet n - n - - smtpd");
    }

    static void send(Instance relay, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(relay.port("smtp")));
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress("me@box.local"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("friend@elsewhere.example"));
        m.setSubject(subject);
        m.setText("hello\n");
        Transport.send(m);
    }

    @Test
    void a454AtAuthDefersAndTheRetryDeliversOnce() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "")), true)) {
            Instance relay = h.instance("relay");
            Instance isp = h.instance("isp");
            Fault f = isp.faults().onAuth().next(1).reply("454 4.7.0 Temporary authentication failure");
            send(relay, "temp auth");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.0");
            assertThat(deferred.reply()).isEqualTo("SASL authentication failed; server mail.isp.example[127.0.0.1] "
                    + "said: 454 4.7.0 Temporary authentication failure");
            assertThat(isp.capture().messages()).isEmpty();

            relay.flush();     // postqueue -f: the deferred message is tried again now, not in an hour
            DeliveryAttempt sent = relay.capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT);
            assertThat(sent.saslUsername()).isEqualTo("alice@isp.example");
            assertThat(isp.capture().awaitMessages(1, WAIT)).extracting(CapturedMessage::subject)
                    .containsExactly("temp auth");
            assertThat(relay.awaitIdle(WAIT)).isTrue();
            assertThat(isp.capture().messages()).hasSize(1);
            assertThat(f.injected()).isEqualTo(1);
        }
    }

    @Test
    void deferredMailIsRetriedByItselfWithTheBackoff() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\n"
                        + "queue_run_delay = 1s")), true)) {
            Instance relay = h.instance("relay");
            h.instance("isp").faults().onAuth().next(2).reply("454 4.7.0 Temporary authentication failure");
            send(relay, "retried");
            // Two deferrals, then the queue manager's own retry (after 1s, then 2s) gets it through.
            List<DeliveryAttempt> attempts = relay.capture().awaitDeliveries(3, WAIT);
            assertThat(attempts).extracting(DeliveryAttempt::status)
                    .containsExactly(Status.DEFERRED, Status.DEFERRED, Status.SENT);
            assertThat(h.instance("isp").capture().awaitMessages(1, WAIT)).hasSize(1);
        }
    }

    @Test
    void a535WithoutSoftBounceBouncesToTheSenderWithPostfixsDsn() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "smtp_sasl_auth_soft_bounce = no")), true)) {
            Instance relay = h.instance("relay");
            h.instance("isp").faults().onAuth().login("alice@isp\\.example")
                    .reply("535 5.7.8 Error: authentication failed: account disabled");
            send(relay, "hard auth");
            DeliveryAttempt bounced = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(bounced.status()).isEqualTo(Status.BOUNCED);
            assertThat(bounced.dsn()).isEqualTo("5.7.8");
            CapturedMessage dsn = relay.capture().awaitMessage(m -> m.sender().isEmpty(), WAIT);
            assertThat(dsn.recipients()).containsExactly("me@box.local");
            assertThat(dsn.subject()).isEqualTo("Undelivered Mail Returned to Sender");
            assertThat(dsn.contentAsString()).contains("Status: 5.7.8",
                    // bounce_notify_util.c wraps the reason at 79 columns, continued with four blanks
                    "<friend@elsewhere.example>: SASL authentication failed; server\r\n"
                            + "    mail.isp.example[127.0.0.1] said: 535 5.7.8 Error: authentication failed:\r\n"
                            + "    account disabled\r\n",
                    // smtp_sasl_glue.c: the server and its reply, as smtp(8)'s DSN fields
                    "Status: 5.7.8\r\nRemote-MTA: dns; mail.isp.example\r\n"
                            + "Diagnostic-Code: smtp; 535 5.7.8 Error: authentication failed: account disabled\r\n",
                    "Subject: hard auth");
            assertThat(h.instance("isp").capture().messages()).isEmpty();
        }
    }

    @Test
    void aRecipientRejectedByTheIspBouncesWithTheRemoteMtaAndItsReply() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "")), true)) {
            Instance relay = h.instance("relay");
            h.instance("isp").faults().onRcpt().reply("550 5.1.1 <friend@elsewhere.example>: Recipient address "
                    + "rejected: User unknown in relay recipient table");
            send(relay, "unknown user");
            CapturedMessage dsn = relay.capture().awaitMessage(m -> m.sender().isEmpty(), WAIT);
            // bounce_notify_util.c: Remote-MTA and an smtp Diagnostic-Code for a remote reply, not X-Postfix.
            assertThat(dsn.contentAsString()).contains("<friend@elsewhere.example>: host mail.isp.example[127.0.0.1] "
                    + "said: 550 5.1.1\r\n    <friend@elsewhere.example>: Recipient address rejected: User unknown in\r\n"
                    + "    relay recipient table (in reply to RCPT TO command)\r\n",
                    "Final-Recipient: rfc822; friend@elsewhere.example\r\n"
                            + "Original-Recipient: rfc822;friend@elsewhere.example\r\n"
                            + "Action: failed\r\n"
                            + "Status: 5.1.1\r\n"
                            + "Remote-MTA: dns; mail.isp.example\r\n"
                            + "Diagnostic-Code: smtp; 550 5.1.1 <friend@elsewhere.example>: Recipient address\r\n"
                            + "    rejected: User unknown in relay recipient table\r\n")
                    .doesNotContain("X-Postfix;");
        }
    }

    @Test
    void aDisconnectAfterTheDotGivesTheDuplicatePostfixWouldSend() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "")), true)) {
            Instance relay = h.instance("relay");
            Instance isp = h.instance("isp");
            isp.faults().onData().next(1).disconnect();
            send(relay, "twice");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.reply()).isEqualTo("lost connection with mail.isp.example[127.0.0.1] while sending "
                    + "end of data -- message may be sent more than once");
            // The ISP queued it before it hung up: the relay cannot know, and sends it again.
            assertThat(isp.capture().awaitMessages(1, WAIT)).hasSize(1);
            relay.flush();
            relay.capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT);
            List<CapturedMessage> got = isp.capture().awaitMessages(2, WAIT);
            assertThat(got).extracting(CapturedMessage::subject).containsExactly("twice", "twice");
            assertThat(got.get(1).mimeMessage().getMessageID()).isEqualTo(got.get(0).mimeMessage().getMessageID());
        }
    }

    @Test
    void a421GreetingMakesTheRelayTryTheNextRelayhost() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"), isp("backup", "backup.isp.example"),
                relay("[mail.isp.example]:submission, [backup.isp.example]:submission", "")), true)) {
            Instance relay = h.instance("relay");
            h.instance("isp").faults().onConnect().reply("421 4.3.2 mail.isp.example Service not available");
            send(relay, "via backup");
            DeliveryAttempt sent = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(sent.status()).isEqualTo(Status.SENT);
            assertThat(sent.relay()).isEqualTo("backup.isp.example[127.0.0.1]:587");
            assertThat(h.instance("backup").capture().awaitMessages(1, WAIT)).extracting(CapturedMessage::subject)
                    .containsExactly("via backup");
            assertThat(h.instance("isp").capture().injectedFaults()).hasSize(1);
        }
    }

    @Test
    void aRefusedConnectionDefersAsPostfixAndTheRetryDeliversOnceTheListenerIsBack() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "")), true)) {
            Instance relay = h.instance("relay");
            Instance isp = h.instance("isp");
            Fault refuse = isp.faults().onConnect().refuse();
            send(relay, "refused");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.4.1");
            assertThat(deferred.reply()).isEqualTo("connect to mail.isp.example[127.0.0.1]:587: Connection refused");
            assertThat(isp.capture().sessions()).isEmpty();   // nothing reached smtpd

            refuse.remove();   // the listener is back, on the same port
            relay.flush();
            assertThat(relay.capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT).relay())
                    .isEqualTo("mail.isp.example[127.0.0.1]:587");
            assertThat(isp.capture().awaitMessages(1, WAIT)).extracting(CapturedMessage::subject)
                    .containsExactly("refused");
        }
    }

    @Test
    void aCertificateForTheWrongNameDefersAtSecureAndIsAcceptedAtMay() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "smtp_tls_security_level = secure")), true)) {
            Instance relay = h.instance("relay");
            Fault f = h.instance("isp").faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
            send(relay, "wrong name");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.5");
            assertThat(deferred.reply()).isEqualTo("Server certificate not verified");
            assertThat(f.injected()).isEqualTo(1);
            assertThat(h.instance("isp").capture().messages()).isEmpty();
        }
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "smtp_tls_security_level = may")), true)) {
            // Opportunistic TLS does not look at the certificate: the mail goes out, encrypted.
            h.instance("isp").faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
            send(h.instance("relay"), "may");
            DeliveryAttempt sent = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(sent.status()).isEqualTo(Status.SENT);
            assertThat(h.instance("isp").capture().awaitMessages(1, WAIT).get(0).tls()).isNotNull();
        }
    }

    @Test
    void anExpiredCertificateDefersAtVerify() throws Exception {
        try (Harness h = Harness.start(List.of(isp("isp", "mail.isp.example"),
                relay("[mail.isp.example]:submission", "smtp_tls_security_level = verify")), true)) {
            Instance relay = h.instance("relay");
            Fault f = h.instance("isp").faults().onStarttls().next(1).certificate(CertificateFlaw.EXPIRED);
            send(relay, "expired");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.5");
            assertThat(deferred.reply()).isEqualTo("Server certificate not verified");
            relay.flush();     // the fault was for the next STARTTLS only: the good certificate verifies
            assertThat(relay.capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT)).isNotNull();
            assertThat(f.injected()).isEqualTo(1);
        }
    }
}
