package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness as the relay (the seeds' client settings: {@code relayhost}, {@code smtp_sasl_auth_enable},
 * {@code smtp_sasl_password_maps}, {@code smtp_sasl_security_options}, {@code smtp_tls_security_level})
 * and a real private Postfix 3.7 with Cyrus SASL (sasldb, {@code mech_list: PLAIN LOGIN}) and STARTTLS
 * (a self-signed certificate) as the ISP. What Postfix received is read from its maillog: smtpd's
 * {@code sasl_method=..., sasl_username=...} line, the TLS line, and the discard agent's delivery.
 */
class PostfixUpstreamTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String LOGIN = "alice@example.com";
    static final String RCPT = "someone@remote.example.org";

    @TempDir
    static Path temp;
    private static PrivatePostfix postfix;
    private static Path certificate;

    @BeforeAll
    static void startPostfix() {
        Path[] pem = PrivatePostfix.selfSignedCertificate(temp.resolve("tls"), "mail.example.com");
        certificate = pem[0];
        // mynetworks excludes loopback: the relay to RCPT is permitted only after AUTH.
        postfix = PrivatePostfix.start(temp.resolve("postfix"), """
                myhostname = mail.example.com
                mydomain = example.com
                mydestination = $myhostname, localhost
                mynetworks = 10.0.0.0/8
                smtpd_sasl_auth_enable = yes
                smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = %s
                smtpd_tls_key_file = %s
                smtpd_tls_loglevel = 1
                """.formatted(pem[0], pem[1]), Map.of("submission", ""), Map.of(LOGIN, "secret"), "PLAIN LOGIN");
    }

    @AfterAll
    static void stopPostfix() {
        if (postfix != null) {
            postfix.close();
        }
    }

    /** Starts a relay towards the private Postfix with the client parameters, sends one message, awaits the attempt. */
    private static DeliveryAttempt relayOne(String clientParameters, String password) {
        int port = postfix.port("submission");
        try (Harness h = Harness.start(List.of(InstanceConfig.named("relay").mainCf("""
                myhostname = relay.box.local
                relayhost = [127.0.0.1]:%d
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = inline:{ [127.0.0.1]:%d=%s:%s }
                %s
                """.formatted(port, port, LOGIN, password, clientParameters)).masterCf("smtp inet n - n - - smtpd")), true)) {
            Instance relay = h.instance("relay");
            try (SmtpDialog d = SmtpDialog.open("127.0.0.1", relay.port("smtp"), null)) {
                d.greeting();
                d.send("EHLO box.local");
                assertThat(d.send("MAIL FROM:<me@box.local>").get(0)).startsWith("250");
                assertThat(d.send("RCPT TO:<" + RCPT + ">").get(0)).startsWith("250");
                d.send("DATA");
                assertThat(d.send("Subject: " + UUID.randomUUID() + "\r\n\r\nvia the harness\r\n.").get(0))
                        .startsWith("250 2.0.0 Ok: queued as ");
                d.send("QUIT");
            }
            return relay.capture().awaitDeliveries(1, WAIT).get(0);
        }
    }

    /** Postfix's queue id in the upstream reply {@code 250 2.0.0 Ok: queued as ID}. */
    private static String upstreamQueueId(DeliveryAttempt d) {
        assertThat(d.reply()).contains("queued as ");
        return d.reply().replaceAll(".*queued as ([0-9A-Z]+).*", "$1");
    }

    /** Postfix's smtpd logged the SASL login for that queue id and the discard agent delivered it. */
    private static void assertPostfixReceived(String queueId, String method) {
        postfix.awaitMaillog(l -> l.contains(" " + queueId + ": client=localhost[127.0.0.1], sasl_method="
                + method + ", sasl_username=" + LOGIN), WAIT);
        postfix.awaitMaillog(l -> l.contains(" " + queueId + ": to=<" + RCPT + ">") && l.contains("relay=none")
                && l.contains("status=sent"), WAIT);
    }

    @Test
    void noanonymousAuthenticatesWithPlain() {
        DeliveryAttempt d = relayOne("smtp_sasl_security_options = noanonymous", "secret");
        assertThat(d.status()).as(d.reply()).isEqualTo(DeliveryAttempt.Status.SENT);
        assertThat(d.saslMethod()).isEqualTo("PLAIN");
        assertThat(d.saslUsername()).isEqualTo(LOGIN);
        assertThat(d.tls()).as("smtp_tls_security_level is empty: no STARTTLS").isNull();
        assertPostfixReceived(upstreamQueueId(d), "PLAIN");
    }

    @Test
    void theNoplaintextDefaultDefersWithNoMechanismAvailable() {
        DeliveryAttempt d = relayOne("", "secret");
        assertThat(d.status()).isEqualTo(DeliveryAttempt.Status.DEFERRED);
        assertThat(d.reply()).isEqualTo("SASL authentication failed; cannot authenticate to server "
                + "127.0.0.1[127.0.0.1]: no mechanism available");
    }

    @Test
    void wrongPasswordDefersWithPostfixsReply() {
        DeliveryAttempt d = relayOne("smtp_sasl_security_options = noanonymous", "wrong");
        assertThat(d.status()).isEqualTo(DeliveryAttempt.Status.DEFERRED);
        assertThat(d.reply()).isEqualTo("SASL authentication failed; server 127.0.0.1[127.0.0.1] said: "
                + "535 5.7.8 Error: authentication failed: authentication failure");
        postfix.awaitMaillog(l -> l.contains("SASL PLAIN authentication failed: authentication failure")
                && l.contains("sasl_username=" + LOGIN), WAIT);
    }

    @Test
    void encryptUsesPostfixsStarttls() {
        DeliveryAttempt d = relayOne("""
                smtp_sasl_security_options = noanonymous
                smtp_tls_security_level = encrypt
                """, "secret");
        assertThat(d.status()).as(d.reply()).isEqualTo(DeliveryAttempt.Status.SENT);
        assertThat(d.tls()).isNotNull();
        assertThat(d.tls().protocol()).isIn("TLSv1.2", "TLSv1.3");
        assertThat(d.saslMethod()).isEqualTo("PLAIN");
        postfix.awaitMaillog(l -> l.contains("Anonymous TLS connection established from localhost[127.0.0.1]: "
                + d.tls().protocol() + " with cipher " + d.tls().cipher()), WAIT);
        assertPostfixReceived(upstreamQueueId(d), "PLAIN");
    }

    @Test
    void secureVerifiesPostfixsCertificateAgainstSmtpTlsCafile() {
        DeliveryAttempt d = relayOne("""
                smtp_sasl_security_options = noanonymous
                smtp_tls_security_level = secure
                smtp_tls_secure_cert_match = mail.example.com
                smtp_tls_CAfile = %s
                """.formatted(certificate), "secret");
        assertThat(d.status()).as(d.reply()).isEqualTo(DeliveryAttempt.Status.SENT);
        assertThat(d.tls()).isNotNull();
        assertPostfixReceived(upstreamQueueId(d), "PLAIN");
    }

    @Test
    void secureWithoutTheCertificateInSmtpTlsCafileDefers() {
        DeliveryAttempt d = relayOne("""
                smtp_sasl_security_options = noanonymous
                smtp_tls_security_level = secure
                smtp_tls_secure_cert_match = mail.example.com
                """, "secret");
        assertThat(d.status()).isEqualTo(DeliveryAttempt.Status.DEFERRED);
        assertThat(d.reply()).contains("Server certificate not verified");
    }
}
