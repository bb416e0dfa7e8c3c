package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.InjectedFault;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.faults.FaultSpec;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.HarnessCa;
import dev.mailrelay.tls.CertificateFlaw;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Injected faults at every stage of a real session on loopback: what the client gets, what the
 * transcript and the capture show, and smtpd's own rules after an injected reply (421 hangs up, a
 * rejected greeting denies every later command but QUIT).
 */
class SmtpdFaultsTest {

    static final String GREETING = "220 mail.isp.example ESMTP Postfix";
    static final String PLAIN_ALICE = "AGFsaWNlAHNlY3JldA==";   // \0alice\0secret
    static final String PLAIN_BOB = "AGJvYgBib2Jwdw==";         // \0bob\0bobpw
    static final Duration WAIT = Duration.ofSeconds(10);

    static Harness harness;
    static Instance isp;
    static Faults faults;

    @BeforeAll
    static void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mynetworks = 127.0.0.0/8
                smtpd_sasl_auth_enable = yes
                smtpd_tls_security_level = may
                smtpd_error_sleep_time = 0
                mailrelay_sasl_users = inline:{ alice=secret, bob=bobpw }
                """).masterCf("smtp inet n - n - - smtpd")), true);
        isp = harness.instance("isp");
        faults = isp.faults();
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @BeforeEach
    void reset() {
        faults.clear();
        isp.capture().reset();
    }

    static SmtpDialog open() throws IOException {
        return SmtpDialog.open(isp.port("smtp"));
    }

    static SmtpDialog ehloed() throws IOException {
        SmtpDialog d = open();
        assertThat(d.greeting).containsExactly(GREETING);
        assertThat(d.send("EHLO client.example").get(0)).isEqualTo("250-mail.isp.example");
        return d;
    }

    /**
     * The transcript of the session the fault struck (published before smtpd closes the connection, so
     * complete once the client has seen it closed).
     */
    static List<CapturedSession.Exchange> transcript(Fault f) {
        long session = isp.capture().injectedFaults().stream().filter(i -> i.faultId() == f.id()).findFirst()
                .orElseThrow().session();
        return isp.capture().sessions().stream().filter(s -> s.id() == session).findFirst().orElseThrow()
                .transcript();
    }

    @Test
    void a421GreetingEndsTheSessionAndOnlyTheNextSession() throws IOException {
        Fault f = faults.onConnect().next(1).reply("421 4.3.2 Service shutting down");
        try (SmtpDialog d = open()) {
            assertThat(d.greeting).containsExactly("421 4.3.2 Service shutting down");
            assertThat(d.reply()).containsExactly("[closed]");
        }
        assertThat(transcript(f).get(0).reply()).containsExactly(
                "<fault injected: #" + f.id() + " CONNECT reply \"421 4.3.2 Service shutting down\" next 1>",
                "421 4.3.2 Service shutting down");
        try (SmtpDialog d = open()) {
            assertThat(d.greeting).containsExactly(GREETING);
        }
        assertThat(f.injected()).isEqualTo(1);
        assertThat(f.active()).isFalse();
        assertThat(isp.capture().injectedFaults()).extracting(InjectedFault::stage, InjectedFault::faultId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("CONNECT", f.id()));
    }

    @Test
    void a554GreetingDeniesEveryCommandButQuitAsPostfixDoes() throws IOException {
        faults.onConnect().reply("554 5.7.1 Service unavailable; client blocked");
        try (SmtpDialog d = open()) {
            assertThat(d.greeting).containsExactly("554 5.7.1 Service unavailable; client blocked");
            assertThat(d.send("EHLO client.example"))
                    .containsExactly("503 5.7.0 Error: access denied for localhost[127.0.0.1]");
            assertThat(d.send("MAIL FROM:<me@client.example>"))
                    .containsExactly("503 5.7.0 Error: access denied for localhost[127.0.0.1]");
            assertThat(d.send("QUIT")).containsExactly("221 2.0.0 Bye");
        }
    }

    @Test
    void aDisconnectAtConnectSendsNoGreeting() throws IOException {
        Fault f = faults.onConnect().disconnect();
        try (SmtpDialog d = open()) {
            assertThat(d.greeting).containsExactly("[closed]");
        }
        assertThat(transcript(f).get(0).reply()).containsExactly("<fault injected: " + f + ">");
        assertThat(f).hasToString("#" + f.id() + " CONNECT disconnect");
    }

    @Test
    void authFaultsAnswerAfterTheResponsePerMechanismAndLogin() throws IOException {
        faults.onAuth().login("bob").reply("535 5.7.8 Error: authentication failed: account locked");
        faults.onAuth().mechanism("PLAIN").next(1).reply("454 4.7.0 Temporary authentication failure");
        try (SmtpDialog d = ehloed()) {
            assertThat(d.send("AUTH PLAIN " + PLAIN_ALICE)).containsExactly("454 4.7.0 Temporary authentication failure");
            assertThat(d.send("AUTH PLAIN " + PLAIN_ALICE)).containsExactly("235 2.7.0 Authentication successful");
        }
        try (SmtpDialog d = ehloed()) {
            // The login filter sees who authenticated: bob's right password still gets the 535.
            assertThat(d.send("AUTH PLAIN " + PLAIN_BOB))
                    .containsExactly("535 5.7.8 Error: authentication failed: account locked");
        }
    }

    @Test
    void mailAndRcptFaultsPerSenderAndRecipient() throws IOException {
        faults.onMail().from(".*@spammer\\.example").reply("550 5.7.1 Sender rejected");
        faults.onRcpt().to("bob@.*").next(2).reply("450 4.2.0 Mailbox busy");
        try (SmtpDialog d = ehloed()) {
            assertThat(d.send("MAIL FROM:<x@spammer.example>")).containsExactly("550 5.7.1 Sender rejected");
            assertThat(d.send("MAIL FROM:<me@client.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<alice@isp.example>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("RCPT TO:<bob@isp.example>")).containsExactly("450 4.2.0 Mailbox busy");
            assertThat(d.send("RCPT TO:<BOB@isp.example>")).containsExactly("450 4.2.0 Mailbox busy");
            assertThat(d.send("RCPT TO:<bob@isp.example>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("QUIT")).containsExactly("221 2.0.0 Bye");
        }
        assertThat(isp.capture().injectedFaults()).extracting(InjectedFault::stage)
                .containsExactly("MAIL", "RCPT", "RCPT");
    }

    @Test
    void aDataReplyRefusesTheMessageBeforeItIsQueued() throws IOException {
        faults.onData().next(1).reply("451 4.3.0 Error: queue file write error");
        try (SmtpDialog d = ehloed()) {
            assertThat(send(d, "first")).containsExactly("451 4.3.0 Error: queue file write error");
            assertThat(send(d, "second").get(0)).startsWith("250 2.0.0 Ok: queued as ");
        }
        assertThat(isp.capture().awaitMessages(1, WAIT)).extracting(m -> m.subject()).containsExactly("second");
    }

    @Test
    void aDisconnectAfterTheDotQueuesTheMessageButSendsNoReply() throws IOException {
        Fault f = faults.onData().disconnect();
        try (SmtpDialog d = ehloed()) {
            assertThat(send(d, "duplicate me")).containsExactly("[closed]");
        }
        assertThat(isp.capture().awaitMessages(1, WAIT)).extracting(m -> m.subject()).containsExactly("duplicate me");
        List<CapturedSession.Exchange> t = transcript(f);
        assertThat(t.get(t.size() - 1).command()).isEqualTo(".");
        assertThat(t.get(t.size() - 1).reply()).containsExactly("<fault injected: #" + f.id() + " DATA disconnect>");
    }

    @Test
    void aStarttlsHandshakeFailureClosesAfterThe220() throws IOException {
        faults.onStarttls().handshakeFailure();
        try (SmtpDialog d = ehloed()) {
            assertThat(d.send("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            assertThatThrownBy(() -> d.startTls(HarnessCa.socketFactory())).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aRefuseFaultClosesTheListenerUntilRemoved() throws IOException {
        int port = isp.port("smtp");
        Fault f = faults.onConnect().refuse();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class)
                .hasMessageContaining("Connection refused");
        assertThat(f.active()).isTrue();
        assertThat(f).hasToString("#" + f.id() + " CONNECT refuse");
        f.remove();
        try (SmtpDialog d = open()) {
            assertThat(d.greeting).containsExactly(GREETING);
        }
        assertThat(isp.port("smtp")).isEqualTo(port);
        faults.onConnect().refuse();
        faults.clear();     // as every reset between tests does: listening again
        try (SmtpDialog d = open()) {
            assertThat(d.greeting).containsExactly(GREETING);
        }
        assertThatThrownBy(() -> faults.onConnect().next(1).refuse()).hasMessage(
                "fault on connect: refuse is for the connect stage only, and lasts until removed (no next, no "
                        + "probability)");
    }

    @Test
    void certificateFaultsServeAFlawedCertificateFromTheHarnessCa() throws Exception {
        faults.onStarttls().next(1).certificate(CertificateFlaw.WRONG_NAME);
        faults.onStarttls().next(1).certificate(CertificateFlaw.EXPIRED);
        X509Certificate wrongName = serverCertificate();
        assertThat(wrongName.getSubjectX500Principal().getName()).isEqualTo("CN=wrong-name.invalid");
        assertThat(wrongName.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList())
                .containsExactly("wrong-name.invalid");
        wrongName.verify(HarnessCa.certificate().getPublicKey());
        X509Certificate expired = serverCertificate();
        assertThatThrownBy(expired::checkValidity).isInstanceOf(CertificateExpiredException.class);
        assertThat(expired.getSubjectX500Principal().getName()).isEqualTo("CN=mail.isp.example");
        expired.verify(HarnessCa.certificate().getPublicKey());
        serverCertificate().checkValidity();   // the faults were for one STARTTLS each
        assertThatThrownBy(() -> faults.onAuth().certificate(CertificateFlaw.EXPIRED))
                .hasMessage("fault on auth: certificate is for the STARTTLS command only");
        assertThatThrownBy(() -> faults.add(new FaultSpec("command", "STARTTLS", null, null, null, null, null, false,
                null, false, false, "self-signed", null, null, null)))
                .hasMessage("fault on command: unknown certificate flaw \"self-signed\" (wrong-name, expired)");
    }

    /** The certificate the server presents at STARTTLS, accepted whatever it is. */
    private static X509Certificate serverCertificate() throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SmtpDialog d = ehloed()) {
            assertThat(d.send("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            return (X509Certificate) d.startTls(trustAll.getSocketFactory()).getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void aCommandFaultAndADelay() throws IOException {
        faults.onCommand("ehlo").next(1).reply("421 4.7.0 mail.isp.example Error: too many connections");
        faults.onCommand("NOOP").delay(Duration.ofMillis(50));
        try (SmtpDialog d = open()) {
            assertThat(d.send("EHLO client.example"))
                    .containsExactly("421 4.7.0 mail.isp.example Error: too many connections");
            assertThat(d.reply()).containsExactly("[closed]");
        }
        try (SmtpDialog d = ehloed()) {
            // A delay changes when the reply comes, not what it is.
            assertThat(d.send("NOOP")).containsExactly("250 2.0.0 Ok");
        }
        assertThat(isp.capture().injectedFaults()).extracting(InjectedFault::stage).containsExactly("EHLO", "NOOP");
    }

    @Test
    void theSameSeedGivesTheSameFaults() throws IOException {
        List<String> first = rcptReplies(faults.onRcpt().withProbability(0.5, 42L).reply("450 4.2.0 Try later"));
        faults.clear();
        List<String> second = rcptReplies(faults.onRcpt().withProbability(0.5, 42L).reply("450 4.2.0 Try later"));
        assertThat(second).isEqualTo(first);
        assertThat(first).contains("450 4.2.0 Try later", "250 2.1.5 Ok");
        faults.clear();
        assertThat(rcptReplies(faults.onRcpt().withProbability(0.5, 7L).reply("450 4.2.0 Try later")))
                .isNotEqualTo(first);
    }

    private static List<String> rcptReplies(Fault f) throws IOException {
        List<String> replies = new ArrayList<>();
        try (SmtpDialog d = ehloed()) {
            d.send("MAIL FROM:<me@client.example>");
            for (int i = 0; i < 20; i++) {
                replies.add(d.send("RCPT TO:<user" + i + "@isp.example>").get(0));
            }
        }
        assertThat(f.injected()).isEqualTo((int) replies.stream().filter(r -> r.startsWith("450")).count());
        return replies;
    }

    @Test
    void aFaultThatCannotBeIsRefusedWithItsReason() {
        assertThatThrownBy(() -> faults.onRcpt().reply("250 2.1.5 Ok"))
                .hasMessage("fault on rcpt: reply \"250 2.1.5 Ok\" is not a 4xx or 5xx SMTP reply line "
                        + "(e.g. \"450 4.2.0 Mailbox busy\")");
        assertThatThrownBy(() -> faults.onMail().to("x").reply("450 4.2.0 Busy"))
                .hasMessage("fault on mail: to is for the rcpt and data stages only");
        assertThatThrownBy(() -> faults.onAuth().handshakeFailure())
                .hasMessage("fault on auth: handshakeFailure is for the STARTTLS command only");
        assertThatThrownBy(() -> faults.add(new FaultSpec("rcpt", null, null, null, null, null, "450 4.2.0 Busy",
                false, null, false, false, null, null, 0.5, null)))
                .hasMessage("fault on rcpt: a probability needs a seed, so that a failing run can be repeated");
        assertThatThrownBy(() -> faults.add(new FaultSpec("helo", null, null, null, null, null, null, true, null,
                false, false, null, null, null, null)))
                .hasMessageStartingWith("fault: unknown stage \"helo\"");
        assertThat(faults.list()).isEmpty();
    }

    @Test
    void theInstalledFaultsAreBounded() {
        for (int i = 0; i < Faults.MAX_FAULTS; i++) {
            faults.onRcpt().to("nobody" + i + "@.*").reply("450 4.2.0 Busy");
        }
        assertThatThrownBy(() -> faults.onRcpt().reply("450 4.2.0 Busy"))
                .hasMessageContaining("has 1000 faults installed, the most it takes");
        faults.clear();
        assertThat(faults.list()).isEmpty();
    }

    private static List<String> send(SmtpDialog d, String subject) throws IOException {
        d.send("MAIL FROM:<me@client.example>");
        d.send("RCPT TO:<alice@isp.example>");
        assertThat(d.send("DATA").get(0)).startsWith("354");
        d.write("Subject: " + subject + "\r\n\r\nhello\r\n");
        return d.send(".");
    }
}
