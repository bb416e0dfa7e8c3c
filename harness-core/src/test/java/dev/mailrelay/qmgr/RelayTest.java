package dev.mailrelay.qmgr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' relay configurations end to end: a relay instance configured as SASL_README and
 * SOHO_README configure Postfix, an upstream instance that requires AUTH, and assertions read from
 * the capture of both.
 */
class RelayTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The fake ISP: submission requires AUTH; its users and mechanisms vary per test. */
    private static InstanceConfig isp(String users, String mechanismLine) {
        return InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                default_transport = discard
                mailrelay_sasl_users = %s
                %s
                """.formatted(users, mechanismLine)).masterCf("submission inet n - n - - smtpd");
    }

    private static InstanceConfig relay(String mainCf) {
        return InstanceConfig.named("relay").mainCf("myhostname = relay.box.local\n" + mainCf)
                .masterCf("smtp inet n - n - - smtpd");
    }

    /** SASL_README's client settings towards the ISP, with alice's password and extra main.cf lines. */
    private static String viaIsp(String password, String extraMainCf) {
        return "relayhost = [mail.isp.example]:submission\n"
                + "smtp_sasl_auth_enable = yes\n"
                + "smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=alice@isp.example:" + password + " }\n"
                + extraMainCf;
    }

    private static void send(Instance relay, String from, String to, String subject) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(relay.port("smtp")));
        props.put("mail.smtp.from", from);
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress(from));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("hello\n");
        Transport.send(m);
    }

    @Test
    void relayhostWithOneAccount() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wonderland", ""))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "one account");
            CapturedMessage got = h.instance("isp").capture()
                    .awaitMessage(m -> "one account".equals(m.subject()), WAIT);
            assertThat(got.saslUsername()).isEqualTo("alice@isp.example");
            // noplaintext, noanonymous: Cyrus' client takes the strongest non-plaintext mechanism.
            assertThat(got.saslMethod()).isEqualTo("SCRAM-SHA-512");
            assertThat(got.recipients()).containsExactly("friend@elsewhere.example");
            DeliveryAttempt d = h.instance("relay").capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT);
            assertThat(d.nextHop()).isEqualTo("[mail.isp.example]:submission");
            assertThat(d.relay()).isEqualTo("mail.isp.example[127.0.0.1]:587");
            assertThat(d.saslUsername()).isEqualTo("alice@isp.example");
            assertThat(d.reply()).startsWith("250 2.0.0 Ok: queued as ").endsWith(got.queueId());
        }
    }

    @Test
    void contentArrivesAsQueuedWhateverItsSizeAndLineEndings() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wonderland", ""))), true)) {
            // Sizes around the delivery's buffer (sized to the content, at most 64 KB), with leading
            // dots (stuffed on the way out), bare CRs and LFs at and across buffer boundaries.
            int[] sizes = {1, 511, 512, 513, 4000, 65535, 65536, 65537, 140_000};
            for (int size : sizes) {
                StringBuilder body = new StringBuilder();
                for (int i = 0; body.length() < size; i++) {
                    body.append(switch (i % 5) {
                        case 0 -> ".";
                        case 1 -> "..dots\n";
                        case 2 -> "a\rb\n";
                        case 3 -> "x".repeat(i % 97) + "\r\n";
                        default -> "\n";
                    });
                }
                body.setLength(size);
                String subject = "size " + size;
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.instance("relay").port("smtp"))) {
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                            java.nio.charset.StandardCharsets.ISO_8859_1));
                    var out = s.getOutputStream();
                    in.readLine();
                    String dialog = "HELO box.local\r\nMAIL FROM:<me@box.local>\r\nRCPT TO:<friend@elsewhere.example>\r\n"
                            + "DATA\r\n";
                    out.write(dialog.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    for (int i = 0; i < 4; i++) {
                        in.readLine();
                    }
                    String data = "Subject: " + subject + "\r\n\r\n"
                            + body.toString().replace("\r\n.", "\r\n..").replace("\n.", "\n..") + "\r\n.\r\n";
                    out.write(data.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    assertThat(in.readLine()).startsWith("250 ");
                }
                CapturedMessage queued = h.instance("relay").capture().awaitMessage(m -> subject.equals(m.subject()), WAIT);
                CapturedMessage got = h.instance("isp").capture().awaitMessage(m -> subject.equals(m.subject()), WAIT);
                String sent = queued.contentAsString().replace("\r\n", "\n");
                String received = got.contentAsString().replace("\r\n", "\n");
                // The ISP prepends its Received: header; the rest is what the relay queued.
                assertThat(received).as(subject).endsWith(sent);
                assertThat(received.substring(0, received.length() - sent.length())).startsWith("Received: ");
            }
        }
    }

    @Test
    void aQuotedLocalPartIsKeptInternalAndQuotedAgainOnTheWayOut() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wonderland", ""))), true)) {
            send(h.instance("relay"), "me@box.local", "\"friend x\"@elsewhere.example", "quoted");
            // smtpd keeps the internal form (extract_addr()); smtp quotes it again (quote_822_local()).
            CapturedMessage got = h.instance("isp").capture().awaitMessage(m -> "quoted".equals(m.subject()), WAIT);
            assertThat(got.recipients()).containsExactly("friend x@elsewhere.example");
            DeliveryAttempt d = h.instance("relay").capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT);
            assertThat(d.reply()).endsWith(got.queueId());
        }
    }

    @Test
    void theNoplaintextTrapDefersAndNoanonymousFixesIt(@TempDir Path sasl) throws Exception {
        String creds = "smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=alice@isp.example:wonderland }";
        // An ISP that offers only plaintext mechanisms, the trap SASL_README warns about.
        Files.createDirectories(sasl.resolve("sasl"));
        Files.writeString(sasl.resolve("sasl/smtpd.conf"), "pwcheck_method: auxprop\nmech_list: PLAIN LOGIN\n");
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", "").directory(sasl),
                relay("relayhost = [mail.isp.example]:submission\nsmtp_sasl_auth_enable = yes\n" + creds),
                InstanceConfig.named("fixed").mainCf("myhostname = fixed.box.local\n"
                        + "relayhost = [mail.isp.example]:submission\nsmtp_sasl_auth_enable = yes\n" + creds
                        + "\nsmtp_sasl_security_options = noanonymous\n")
                        .masterCf("smtp inet n - n - - smtpd")), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "trap");
            DeliveryAttempt deferred = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.0");
            assertThat(deferred.reply()).isEqualTo("SASL authentication failed; cannot authenticate to server "
                    + "mail.isp.example[127.0.0.1]: no mechanism available");

            send(h.instance("fixed"), "me@box.local", "friend@elsewhere.example", "fixed");
            CapturedMessage got = h.instance("isp").capture().awaitMessage(m -> "fixed".equals(m.subject()), WAIT);
            assertThat(got.saslMethod()).isEqualTo("PLAIN");
            assertThat(h.instance("isp").capture().messages()).extracting(CapturedMessage::subject)
                    .doesNotContain("trap");
        }
    }

    @Test
    void perSenderAccountsAndRelayhosts(@TempDir Path dir) throws Exception {
        // SASL_README "Configuring Sender-Dependent SASL authentication".
        Files.writeString(dir.resolve("sasl_passwd"), """
                # Per-sender authentication; see also /etc/postfix/sender_relay.
                user1@example.com               username1:password1
                user2@example.net               username2:password2
                # Login information for the default relayhost.
                [mail.myisp.net]                username:password
                [mail.myisp.net]:submission     username:password
                """);
        Files.writeString(dir.resolve("sender_relay"), """
                # Per-sender provider; see also /etc/postfix/sasl_passwd.
                user1@example.com               [mail.example.com]:submission
                user2@example.net               [mail.example.net]
                """);
        InstanceConfig myisp = InstanceConfig.named("myisp").mainCf("""
                myhostname = mail.myisp.net
                smtpd_sasl_auth_enable = yes
                mynetworks =
                smtpd_relay_restrictions = permit_sasl_authenticated, reject
                default_transport = discard
                mailrelay_sasl_users = inline:{ username=password }
                """).masterCf("smtp inet n - n - - smtpd");
        InstanceConfig exampleCom = InstanceConfig.named("examplecom").mainCf("""
                myhostname = mail.example.com
                smtpd_sasl_auth_enable = yes
                mynetworks =
                smtpd_relay_restrictions = permit_sasl_authenticated, reject
                default_transport = discard
                mailrelay_sasl_users = inline:{ username1=password1 }
                """).masterCf("submission inet n - n - - smtpd");
        InstanceConfig exampleNet = InstanceConfig.named("examplenet").mainCf("""
                myhostname = mail.example.net
                smtpd_sasl_auth_enable = yes
                mynetworks =
                smtpd_relay_restrictions = permit_sasl_authenticated, reject
                default_transport = discard
                mailrelay_sasl_users = inline:{ username2=password2 }
                """).masterCf("smtp inet n - n - - smtpd");
        InstanceConfig relay = InstanceConfig.named("relay").directory(dir).mainCf("""
                myhostname = relay.box.local
                smtp_sender_dependent_authentication = yes
                sender_dependent_relayhost_maps = hash:sender_relay
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = hash:sasl_passwd
                smtp_sasl_security_options = noanonymous
                relayhost = [mail.myisp.net]
                """).masterCf("smtp inet n - n - - smtpd");
        try (Harness h = Harness.start(List.of(myisp, exampleCom, exampleNet, relay), true)) {
            send(h.instance("relay"), "user1@example.com", "a@dest.example", "from user1");
            send(h.instance("relay"), "user2@example.net", "b@dest.example", "from user2");
            send(h.instance("relay"), "other@box.local", "c@dest.example", "from other");
            assertThat(h.instance("examplecom").capture().awaitMessage(m -> "from user1".equals(m.subject()), WAIT)
                    .saslUsername()).isEqualTo("username1");
            assertThat(h.instance("examplenet").capture().awaitMessage(m -> "from user2".equals(m.subject()), WAIT)
                    .saslUsername()).isEqualTo("username2");
            assertThat(h.instance("myisp").capture().awaitMessage(m -> "from other".equals(m.subject()), WAIT)
                    .saslUsername()).isEqualTo("username");
        }
    }

    @Test
    void sohoGenericMapsRewriteEnvelopeAndHeadersOnTheWayOut(@TempDir Path dir) throws Exception {
        // SOHO_README "Configuring the Postfix SMTP client": smtp_generic_maps with the three addresses.
        Files.writeString(dir.resolve("generic"), """
                his@localdomain.local             hisaccount@hisisp.example
                her@localdomain.local             heraccount@herisp.example
                @localdomain.local                hisaccount+local@hisisp.example
                """);
        try (Harness h = Harness.start(List.of(
                isp("inline:{ hisaccount@hisisp.example=pw }", ""),
                InstanceConfig.named("relay").directory(dir).mainCf("""
                        myhostname = host.localdomain.local
                        mydomain = localdomain.local
                        myorigin = $mydomain
                        relayhost = [mail.isp.example]:submission
                        smtp_sasl_auth_enable = yes
                        smtp_sasl_security_options = noanonymous
                        smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=hisaccount@hisisp.example:pw }
                        smtp_generic_maps = hash:generic
                        """).masterCf("smtp inet n - n - - smtpd")), true)) {
            send(h.instance("relay"), "his@localdomain.local", "x@isp.example", "his");
            send(h.instance("relay"), "her@localdomain.local", "x@isp.example", "her");
            send(h.instance("relay"), "root@localdomain.local", "x@isp.example", "other");
            Instance isp = h.instance("isp");
            assertThat(isp.capture().awaitMessage(m -> "his".equals(m.subject()), WAIT).sender())
                    .isEqualTo("hisaccount@hisisp.example");
            CapturedMessage her = isp.capture().awaitMessage(m -> "her".equals(m.subject()), WAIT);
            assertThat(her.sender()).isEqualTo("heraccount@herisp.example");
            assertThat(her.mimeMessage().getFrom()[0].toString()).isEqualTo("heraccount@herisp.example");
            assertThat(isp.capture().awaitMessage(m -> "other".equals(m.subject()), WAIT).sender())
                    .isEqualTo("hisaccount+local@hisisp.example");
            // The relay's own queue keeps the original addresses: generic maps apply only on the way out.
            assertThat(h.instance("relay").capture().messages()).extracting(CapturedMessage::sender)
                    .contains("her@localdomain.local");
        }
    }

    @Test
    void mechanismFilterPicksWhatTheClientMayUse() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wonderland", "smtp_sasl_mechanism_filter = cram-md5, login\nsmtp_sasl_security_options = noanonymous\n"))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "filtered");
            assertThat(h.instance("isp").capture().awaitMessage(m -> "filtered".equals(m.subject()), WAIT)
                    .saslMethod()).isEqualTo("CRAM-MD5");
        }
    }

    @Test
    void wrongPasswordDefersWithTheServersReply() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wrong", ""))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "wrong");
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.status()).isEqualTo(Status.DEFERRED);
            assertThat(d.dsn()).isEqualTo("4.7.8");
            assertThat(d.reply()).isEqualTo("SASL authentication failed; server mail.isp.example[127.0.0.1] said: "
                    + "535 5.7.8 Error: authentication failed: authentication failure");
            // smtp_trouble.c: the connection was made, so relay= names it (not "none").
            assertThat(d.relay()).isEqualTo("mail.isp.example[127.0.0.1]:587");
            assertThat(d.tls()).isNull();
        }
    }

    @Test
    void aFailedAuthAfterStarttlsRecordsTheRelayAndItsTls() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", "smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes"),
                relay(viaIsp("wrong", "smtp_tls_security_level = encrypt\n"))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "wrong over tls");
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.status()).isEqualTo(Status.DEFERRED);
            assertThat(d.reply()).startsWith("SASL authentication failed; server mail.isp.example[127.0.0.1] said: 535");
            assertThat(d.relay()).isEqualTo("mail.isp.example[127.0.0.1]:587");
            assertThat(d.tls()).isNotNull();
            assertThat(d.tls().protocol()).isEqualTo("TLSv1.3");
            assertThat(d.saslMethod()).isNull();
        }
    }

    @Test
    void unknownRelayhostDefersAndFlushRetries() throws Exception {
        try (Harness h = Harness.start(List.of(relay("relayhost = [mail.nowhere.example]\n")), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "nowhere");
            Instance relay = h.instance("relay");
            DeliveryAttempt d = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.status()).isEqualTo(Status.DEFERRED);
            assertThat(d.reply()).isEqualTo(
                    "Host or domain name not found. Name service error for name=mail.nowhere.example type=A: "
                            + "Host not found");
            assertThat(d.relay()).isEqualTo("none");
            assertThat(d.tls()).isNull();
            relay.flush();
            assertThat(relay.capture().awaitDeliveries(2, WAIT)).hasSize(2);
        }
    }

    @Test
    void aPermanentRejectionBouncesToTheSender() throws Exception {
        try (Harness h = Harness.start(List.of(
                InstanceConfig.named("isp").mainCf("""
                        myhostname = mail.isp.example
                        mydestination = isp.example
                        smtpd_recipient_restrictions = check_recipient_access inline:{ { nobody@isp.example = 550 5.1.1 No such user } }, permit
                        """).masterCf("smtp inet n - n - - smtpd"),
                relay("relayhost = [mail.isp.example]\nmydestination = $myhostname, box.local\n")), true)) {
            send(h.instance("relay"), "me@box.local", "nobody@isp.example", "bounce me");
            Instance relay = h.instance("relay");
            DeliveryAttempt d = relay.capture().awaitDelivery(a -> a.status() == Status.BOUNCED, WAIT);
            assertThat(d.reply()).isEqualTo("host mail.isp.example[127.0.0.1] said: 550 5.1.1 <nobody@isp.example>: "
                    + "Recipient address rejected: No such user (in reply to RCPT TO command)");
            CapturedMessage bounce = relay.capture().awaitMessage(m -> m.sender().isEmpty(), WAIT);
            assertThat(bounce.recipients()).containsExactly("me@box.local");
            assertThat(bounce.subject()).isEqualTo("Undelivered Mail Returned to Sender");
            assertThat(bounce.contentAsString()).contains("Status: 5.1.1", "Subject: bounce me");
            relay.capture().awaitDelivery(a -> a.transport().equals("local") && a.queueId().equals(bounce.queueId()),
                    WAIT);
        }
    }

    @Test
    void cleanupQualifiesAndExpandsVirtualAliases() throws Exception {
        try (Harness h = Harness.start(List.of(relay("""
                mydestination = $myhostname, box.local
                myorigin = box.local
                virtual_alias_maps = inline:{ { team@box.local = ann@box.local bob@box.local }, { bob@box.local = bob@box.local robert@box.local } }
                """)), true)) {
            send(h.instance("relay"), "me", "team", "aliases");
            CapturedMessage m = h.instance("relay").capture().awaitMessage(x -> "aliases".equals(x.subject()), WAIT);
            assertThat(m.sender()).isEqualTo("me@box.local");
            assertThat(m.recipients()).containsExactly("ann@box.local", "bob@box.local", "robert@box.local");
        }
    }

    @Test
    void aConnectionIsReusedForTheSameNextHop() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wonderland", "smtp_connection_cache_time_limit = 30s\n"))), true)) {
            send(h.instance("relay"), "me@box.local", "a@elsewhere.example", "first");
            h.instance("isp").capture().awaitMessage(m -> "first".equals(m.subject()), WAIT);
            send(h.instance("relay"), "me@box.local", "b@elsewhere.example", "second");
            h.instance("isp").capture().awaitMessage(m -> "second".equals(m.subject()), WAIT);
            assertThat(h.instance("isp").capture().sessions()).hasSize(1);
        }
    }

    @Test
    void withoutRelayhostTheRecipientDomainsMxIsUsedAndNoCredentialsMeansNoAuth() throws Exception {
        try (Harness h = Harness.start(List.of(
                InstanceConfig.named("dest").mainCf("""
                        myhostname = mx.dest.example
                        mydestination = $myhostname, dest.example
                        """).masterCf("smtp inet n - n - - smtpd"),
                relay("smtp_sasl_auth_enable = yes\n")), true)) {
            send(h.instance("relay"), "me@box.local", "ann@dest.example", "direct");
            CapturedMessage got = h.instance("dest").capture().awaitMessage(m -> "direct".equals(m.subject()), WAIT);
            assertThat(got.saslMethod()).isNull();
            DeliveryAttempt d = h.instance("relay").capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT);
            assertThat(d.nextHop()).isEqualTo("dest.example");
            assertThat(d.relay()).isEqualTo("mx.dest.example[127.0.0.1]:25");
            h.instance("dest").capture().awaitDelivery(a -> a.transport().equals("local"), WAIT);
        }
    }

    @Test
    void transportMapsDiscardAndError() throws Exception {
        try (Harness h = Harness.start(List.of(relay("""
                transport_maps = inline:{ discard.example=discard:, { error.example = error:5.1.2 no such domain } }
                """)), true)) {
            send(h.instance("relay"), "me@box.local", "a@discard.example", "discarded");
            send(h.instance("relay"), "me@box.local", "b@error.example", "refused");
            Instance relay = h.instance("relay");
            DeliveryAttempt discarded = relay.capture().awaitDelivery(a -> a.transport().equals("discard"), WAIT);
            assertThat(discarded.status()).isEqualTo(Status.SENT);
            DeliveryAttempt refused = relay.capture().awaitDelivery(a -> a.transport().equals("error"), WAIT);
            assertThat(refused.status()).isEqualTo(Status.BOUNCED);
            assertThat(refused.dsn()).isEqualTo("5.1.2");
            assertThat(refused.reply()).isEqualTo("no such domain");
        }
    }

    @Test
    void withoutSoftBounceA535Bounces() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wrong", "smtp_sasl_auth_soft_bounce = no\n"))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "hard");
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.status()).isEqualTo(Status.BOUNCED);
            assertThat(d.dsn()).isEqualTo("5.7.8");
        }
    }

    @Test
    void maximalQueueLifetimeReturnsDeferredMail() throws Exception {
        try (Harness h = Harness.start(List.of(relay("""
                relayhost = [mail.nowhere.example]
                maximal_queue_lifetime = 0s
                mydestination = $myhostname, box.local
                """)), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "expires");
            CapturedMessage bounce = h.instance("relay").capture().awaitMessage(m -> m.sender().isEmpty(), WAIT);
            assertThat(bounce.contentAsString()).contains("message expired: Host or domain name not found");
            assertThat(bounce.recipients()).containsExactly("me@box.local");
        }
    }

    @Test
    void sohoClientWithTlsEncryptAndSasl() throws Exception {
        // SOHO_README: smtp_tls_security_level = encrypt with SASL, to a server that offers AUTH only after TLS.
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", "smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes"),
                relay(viaIsp("wonderland", "smtp_tls_security_level = encrypt\nsmtp_sasl_tls_security_options = noanonymous\n"))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "over tls");
            CapturedMessage got = h.instance("isp").capture().awaitMessage(m -> "over tls".equals(m.subject()), WAIT);
            assertThat(got.tls()).isNotNull();
            assertThat(got.protocol()).isEqualTo("ESMTPSA");
            // smtp_sasl_tls_security_options = noanonymous: after TLS, plaintext mechanisms are fine,
            // but Cyrus' client still prefers the strongest.
            assertThat(got.saslMethod()).isEqualTo("SCRAM-SHA-512");
            DeliveryAttempt d = h.instance("relay").capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT);
            assertThat(d.tls()).isNotNull();
            assertThat(d.tls().protocol()).startsWith("TLSv1.");
            // The relay presented no client certificate, as the ISP recorded; the ISP's own does not count.
            assertThat(got.tls().clientCertificatePresented()).isFalse();
            assertThat(d.tls().clientCertificatePresented()).isFalse();
        }
    }

    @Test
    void scramContinuationsFollowTheirAuthCommandInTheTranscript() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay(viaIsp("wonderland", ""))), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "scram");
            CapturedMessage got = h.instance("isp").capture().awaitMessage(m -> "scram".equals(m.subject()), WAIT);
            assertThat(got.saslMethod()).isEqualTo("SCRAM-SHA-512");
            CapturedSession s = h.instance("isp").capture().sessions().stream()
                    .filter(x -> "SCRAM-SHA-512".equals(x.saslMethod())).findFirst().orElseThrow();
            List<String> commands = s.transcript().stream().map(CapturedSession.Exchange::command).toList();
            int auth = commands.indexOf("AUTH SCRAM-SHA-512 <SASL response hidden>");
            assertThat(auth).as("%s", commands).isPositive();
            assertThat(commands.get(auth - 1)).startsWith("EHLO ");
            assertThat(s.transcript().get(auth).reply()).singleElement().asString().startsWith("334 ");
            // client-final, then the empty answer to the server-final 334: each after the 334 it answers.
            assertThat(commands.subList(auth + 1, auth + 3))
                    .containsOnly("<SASL response hidden>");
            assertThat(s.transcript().get(auth + 1).reply()).singleElement().asString().startsWith("334 ");
            assertThat(s.transcript().get(auth + 2).reply()).containsExactly("235 2.7.0 Authentication successful");
            assertThat(commands.get(auth + 3)).startsWith("MAIL FROM:");
        }
    }

    @Test
    void deleteAllRemovesDeferredMailAndItsQueueFiles(@TempDir Path dir) throws Exception {
        try (Harness h = Harness.start(List.of(relay("""
                relayhost = [mail.nowhere.example]
                mailrelay_queue_directory = queue
                """).directory(dir)), true)) {
            Instance relay = h.instance("relay");
            send(relay, "me@box.local", "friend@elsewhere.example", "to be deleted");
            assertThat(relay.capture().awaitDeliveries(1, WAIT).get(0).status()).isEqualTo(Status.DEFERRED);
            try (var files = Files.list(dir.resolve("queue"))) {
                assertThat(files).hasSize(1);
            }
            assertThat(relay.deleteQueuedMail()).isEqualTo(1);
            // The attempt that recorded the deferral may still be ending: its end removes the file.
            assertThat(relay.awaitIdle(WAIT)).isTrue();
            try (var files = Files.list(dir.resolve("queue"))) {
                assertThat(files).isEmpty();
            }
            // Nothing left to retry: a flush starts no attempt.
            relay.flush();
            assertThat(relay.awaitIdle(WAIT)).isTrue();
            assertThat(relay.capture().deliveries()).hasSize(1);
            assertThat(relay.deleteQueuedMail()).isZero();
        }
    }

    @Test
    void encryptDefersWhenTheServerOffersNoTls() throws Exception {
        try (Harness h = Harness.start(List.of(
                isp("inline:{ alice@isp.example=wonderland }", ""),
                relay("""
                        relayhost = [mail.isp.example]:submission
                        smtp_tls_security_level = encrypt
                        """)), true)) {
            send(h.instance("relay"), "me@box.local", "friend@elsewhere.example", "no tls");
            DeliveryAttempt d = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.status()).isEqualTo(Status.DEFERRED);
            assertThat(d.dsn()).isEqualTo("4.7.4");
            assertThat(d.reply()).isEqualTo("TLS is required, but was not offered by host mail.isp.example[127.0.0.1]");
        }
    }
}
