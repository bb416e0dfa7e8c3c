package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.InjectedFault;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.CertificateFlaw;
import dev.mailrelay.tls.HarnessCa;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Certificate and handshake-failure faults on a wrapper-mode service (submissions,
 * {@code smtpd_tls_wrappermode = yes}): the same faults as at STARTTLS strike at the handshake right
 * after connect, seen by real TLS clients (JDK SSLSocket, Jakarta Mail with
 * {@code mail.smtp.ssl.enable}), with the same transcript line and capture entry (the log lines:
 * {@link SmtpdFaultsLogLinesTest}).
 */
@Timeout(60)
class SmtpdWrapperModeFaultsTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    static Harness harness;
    static Instance isp;

    @BeforeAll
    static void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mynetworks = 127.0.0.0/8
                smtpd_tls_security_level = may
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

    /**
     * A TLS client that verifies the server as {@code localhost}, as an application does (the harness
     * certificate names it; the wrong-name one does not).
     */
    static SSLSocket verifyingClient() throws IOException {
        Socket plain = new Socket("127.0.0.1", isp.port("submissions"));
        SSLSocket ssl = (SSLSocket) HarnessCa.socketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        return ssl;
    }

    /** The one ended session's transcript, once smtpd has closed it. */
    static List<CapturedSession.Exchange> transcript() {
        return isp.capture().awaitEndedSessions(1, WAIT).get(0).transcript();
    }

    @Test
    void aWrongNameCertificateAtTheWrapperHandshake() throws IOException {
        Fault f = isp.faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
        try (SSLSocket ssl = verifyingClient()) {
            assertThatThrownBy(ssl::startHandshake).isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("localhost");
        }
        String marked = "<fault injected: #" + f.id() + " STARTTLS certificate wrong-name>";
        assertThat(transcript()).extracting(CapturedSession.Exchange::reply).containsExactly(List.of(marked));
        InjectedFault injected = isp.capture().injectedFaults().get(0);
        assertThat(injected.stage()).isEqualTo("CONNECT");
        assertThat(injected.fault()).isEqualTo(f.toString());
        assertThat(f.injected()).isEqualTo(1);
    }

    @Test
    void anExpiredCertificateFailsJakartaMailOnceThenItSends() throws Exception {
        Fault f = isp.faults().onStarttls().next(1).certificate(CertificateFlaw.EXPIRED);
        // The JDK's PKIX says "unable to find valid certification path" for an expired certificate.
        assertThatThrownBy(() -> send("expired")).isInstanceOf(MessagingException.class)
                .hasCauseInstanceOf(SSLHandshakeException.class);
        send("good again");   // next(1): the service's own certificate at the next handshake
        assertThat(isp.capture().awaitMessages(1, WAIT).get(0).subject()).isEqualTo("good again");
        assertThat(f.injected()).isEqualTo(1);
        assertThat(isp.capture().injectedFaults()).extracting(InjectedFault::stage).containsExactly("CONNECT");
    }

    @Test
    void aHandshakeFailureClosesTheConnectionBeforeTheHandshake() throws IOException {
        Fault f = isp.faults().onStarttls().handshakeFailure();
        try (SSLSocket ssl = verifyingClient()) {
            assertThatThrownBy(ssl::startHandshake).isInstanceOf(IOException.class);
        }
        assertThat(transcript()).extracting(CapturedSession.Exchange::reply)
                .containsExactly(List.of("<fault injected: #" + f.id() + " STARTTLS handshake failure>"));
        assertThat(f.injected()).isEqualTo(1);
        assertThatThrownBy(() -> send("handshake")).isInstanceOf(MessagingException.class);
        assertThat(f.injected()).isGreaterThan(1);
        assertThat(isp.capture().messages()).isEmpty();
    }

    @Test
    void aReplyFaultOnStarttlsLeavesTheWrapperHandshakeAlone() throws Exception {
        Fault f = isp.faults().onStarttls().reply("454 4.7.0 TLS not available due to local problem");
        send("wrapper");
        assertThat(isp.capture().awaitMessages(1, WAIT)).hasSize(1);
        assertThat(f.injected()).isZero();
    }

    /** Jakarta Mail over SMTPS, trusting the harness CA and checking the server's name. */
    static void send(String subject) throws MessagingException {
        Properties props = new Properties();
        props.put("mail.smtp.host", "localhost");
        props.put("mail.smtp.port", String.valueOf(isp.port("submissions")));
        props.put("mail.smtp.ssl.enable", "true");
        props.put("mail.smtp.ssl.socketFactory", HarnessCa.socketFactory());
        props.put("mail.smtp.ssl.checkserveridentity", "true");
        props.put("mail.smtp.connectiontimeout", "10000");
        props.put("mail.smtp.timeout", "10000");
        MimeMessage m = new MimeMessage(Session.getInstance(props));
        m.setFrom(new InternetAddress("me@client.example"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@isp.example"));
        m.setSubject(subject);
        m.setText("hello\n");
        Transport.send(m);
        // The client has read 221 to QUIT; the server ends the session just after. Wait for that, or
        // the next test's reset could run first and that test would see this session end.
        isp.capture().awaitEndedSessions(isp.capture().sessions().size(), WAIT);
    }

}
