package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.LogLines;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.CertificateFlaw;
import dev.mailrelay.tls.HarnessCa;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the log says when a fault strikes: smtpd's own line for what happened (log_whatsup's reject,
 * a SASL failure warning, a disconnect) with {@code (fault injected: #n ...)} at its end, so that a
 * reader of the log tells an injected failure from a real one.
 */
@Timeout(60)
class SmtpdFaultsLogLinesTest {

    static Harness harness;
    static Instance isp;

    @BeforeAll
    static void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mynetworks = 127.0.0.0/8
                smtpd_sasl_auth_enable = yes
                smtpd_error_sleep_time = 0
                smtpd_tls_security_level = may
                mailrelay_sasl_users = inline:{ alice=secret }
                """).masterCf("""
                smtp inet n - n - - smtpd
                submissions inet n - n - - smtpd
                  -o smtpd_tls_wrappermode=yes
                """)), true);
        isp = harness.instance("isp");
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @BeforeEach
    void reset() {
        isp.faults().clear();
        isp.capture().reset();
    }

    /** The smtpd process id the log names for the session the fault struck. */
    static long session(Fault f) {
        return isp.capture().injectedFaults().stream().filter(i -> i.faultId() == f.id()).findFirst().orElseThrow()
                .session();
    }

    static SmtpDialog ehloed() throws IOException {
        SmtpDialog d = SmtpDialog.open(isp.port("smtp"));
        d.send("EHLO client.example");
        return d;
    }

    @Test
    void aRcptReplyIsLoggedAsPostfixLogsAReject() throws IOException {
        LogLines log = LogLines.mark();
        Fault f = isp.faults().onRcpt().to("bob@.*").reply("450 4.2.0 Mailbox busy");
        try (SmtpDialog d = ehloed()) {
            d.send("MAIL FROM:<me@client.example>");
            assertThat(d.send("RCPT TO:<bob@isp.example>")).containsExactly("450 4.2.0 Mailbox busy");
        }
        assertThat(log.messages()).contains("isp/smtpd[" + session(f) + "]: NOQUEUE: reject: RCPT from "
                + "localhost[127.0.0.1]: 450 4.2.0 Mailbox busy; from=<me@client.example> to=<bob@isp.example> "
                + "proto=ESMTP helo=<client.example> (fault injected: #" + f.id()
                + " RCPT to=bob@.* reply \"450 4.2.0 Mailbox busy\")");
    }

    @Test
    void aGreetingReplyIsARejectAtConnect() throws IOException {
        LogLines log = LogLines.mark();
        Fault f = isp.faults().onConnect().next(1).reply("554 5.7.1 Service unavailable");
        try (SmtpDialog d = SmtpDialog.open(isp.port("smtp"))) {
            assertThat(d.greeting).containsExactly("554 5.7.1 Service unavailable");
        }
        assertThat(log.messages()).contains("isp/smtpd[" + session(f) + "]: NOQUEUE: reject: CONNECT from "
                + "localhost[127.0.0.1]: 554 5.7.1 Service unavailable; proto=SMTP (fault injected: " + f + ")");
    }

    @Test
    void anAuthReplyIsLoggedAsASaslFailure() throws IOException {
        LogLines log = LogLines.mark();
        Fault f = isp.faults().onAuth().reply("454 4.7.0 Temporary authentication failure");
        try (SmtpDialog d = ehloed()) {
            assertThat(d.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==")).containsExactly(
                    "454 4.7.0 Temporary authentication failure");
        }
        assertThat(log.messages()).contains("isp/smtpd[" + session(f) + "]: warning: localhost[127.0.0.1]: SASL "
                + "PLAIN authentication failed: 454 4.7.0 Temporary authentication failure (fault injected: " + f + ")");
    }

    @Test
    void aDisconnectAfterTheDotIsLoggedWithTheStage() throws IOException {
        LogLines log = LogLines.mark();
        Fault f = isp.faults().onData().disconnect();
        try (SmtpDialog d = ehloed()) {
            d.send("MAIL FROM:<me@client.example>");
            d.send("RCPT TO:<alice@isp.example>");
            d.send("DATA");
            d.write("Subject: x\r\n\r\nhello\r\n");
            assertThat(d.send(".")).containsExactly("[closed]");
        }
        assertThat(log.messages()).contains("isp/smtpd[" + session(f) + "]: disconnect at END-OF-MESSAGE from "
                + "localhost[127.0.0.1] (fault injected: #" + f.id() + " DATA disconnect)");
    }

    @Test
    void aRefusalIsLoggedWhenTheListenerClosesAndOpensAgain() {
        LogLines log = LogLines.mark();
        Fault f = isp.faults().onConnect().refuse();
        f.remove();
        String listener = "isp/smtp: listener 127.0.0.1:" + isp.port("smtp");
        assertThat(log.messages()).contains(listener + " closed (fault injected: #" + f.id() + " CONNECT refuse)",
                listener + " open again");
    }

    @Test
    void aCertificateFaultIsLoggedAtStarttls() throws Exception {
        LogLines log = LogLines.mark();
        Fault f = isp.faults().onStarttls().certificate(CertificateFlaw.EXPIRED);
        try (SmtpDialog d = ehloed()) {
            assertThat(d.send("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
        }
        // The fault strikes at the handshake, after the 220: wait for the session to end.
        isp.capture().awaitEndedSessions(1, Duration.ofSeconds(10));
        assertThat(log.messages()).contains("isp/smtpd[" + session(f) + "]: expired certificate for STARTTLS from "
                + "localhost[127.0.0.1] (fault injected: #" + f.id() + " STARTTLS certificate expired)");
    }

    @Test
    void certificateAndHandshakeFaultsAreLoggedAtAWrapperModeHandshake() throws Exception {
        LogLines log = LogLines.mark();
        Fault expired = isp.faults().onStarttls().next(1).certificate(CertificateFlaw.EXPIRED);
        Fault failure = isp.faults().onStarttls().next(1).handshakeFailure();
        for (int i = 0; i < 2; i++) {
            try (Socket plain = new Socket("127.0.0.1", isp.port("submissions"));
                 SSLSocket ssl = (SSLSocket) HarnessCa.socketFactory().createSocket(plain, "localhost",
                         plain.getPort(), true)) {
                assertThatThrownBy(ssl::startHandshake).isInstanceOf(IOException.class);
            }
        }
        isp.capture().awaitEndedSessions(2, Duration.ofSeconds(10));
        assertThat(log.messages()).contains(
                "isp/smtpd[" + session(expired) + "]: expired certificate for TLS wrappermode from "
                        + "localhost[127.0.0.1] (fault injected: #" + expired.id() + " STARTTLS certificate expired "
                        + "next 1)",
                "isp/smtpd[" + session(failure) + "]: SSL_accept error from localhost[127.0.0.1]: handshake "
                        + "failure (fault injected: #" + failure.id() + " STARTTLS handshake failure next 1)");
    }
}
