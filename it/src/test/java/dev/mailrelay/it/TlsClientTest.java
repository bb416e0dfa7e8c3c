package dev.mailrelay.it;

import static dev.mailrelay.it.IspServer.ALICE;
import static dev.mailrelay.it.IspServer.ALICE_PASSWORD;
import static dev.mailrelay.it.IspServer.BOB;
import static dev.mailrelay.it.IspServer.BOB_PASSWORD;
import static dev.mailrelay.it.IspServer.FROM;
import static dev.mailrelay.it.IspServer.HOSTNAME;
import static dev.mailrelay.it.IspServer.RCPT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.HarnessCa;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS clients against the harness: swaks ({@code --tls}, {@code --tlsc}), {@code openssl
 * s_client -starttls smtp}, Jakarta Mail (STARTTLS required, and {@code smtps}) and msmtp (STARTTLS
 * and wrapper mode), every one verifying the server against the exported harness CA. The server is
 * the ISP of {@link IspServer} with TLS as a submission service is set up in production:
 * {@code submission} with STARTTLS and {@code smtpd_tls_auth_only = yes}, {@code submissions} in
 * wrapper mode.
 */
class TlsClientTest {

    private static Harness harness;
    private static Instance isp;
    @TempDir
    static Path dir;
    private static Path caPem;

    @BeforeAll
    static void startServer() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydomain = isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_authenticated_header = yes
                smtpd_tls_security_level = may
                smtpd_tls_auth_only = yes
                smtpd_tls_received_header = yes
                mailrelay_sasl_users = inline:{ alice=secret, bob@isp.example=pw }
                """).masterCf("""
                submission inet n - n - - smtpd
                submissions inet n - n - - smtpd
                  -o smtpd_tls_wrappermode=yes
                  -o smtpd_sasl_auth_enable=yes
                """)), true);
        isp = harness.instance("isp");
        caPem = HarnessCa.writePem(dir.resolve("harness-ca.pem"));
    }

    @AfterAll
    static void stopServer() {
        if (harness != null) {
            harness.close();
        }
    }

    private static String subject(String what) {
        return what + " " + UUID.randomUUID();
    }

    /** The message with that subject, submitted over TLS with AUTH, as the server recorded it. */
    private static CapturedMessage assertTlsDelivery(String subject, String mechanism, String login) {
        CapturedMessage m = isp.capture().awaitMessage(x -> subject.equals(x.subject()), IspServer.WAIT);
        assertThat(m.saslMethod()).as("sasl_method").isEqualTo(mechanism);
        assertThat(m.saslUsername()).as("sasl_username").isEqualTo(login);
        assertThat(m.recipients()).containsExactly(RCPT);
        assertThat(m.protocol()).as("protocol").isEqualTo("ESMTPSA");
        assertThat(m.tls()).as("tls").isNotNull();
        assertThat(m.tls().protocol()).isIn("TLSv1.2", "TLSv1.3");
        assertThat(m.tls().clientCertificatePresented()).isFalse();
        assertThat(m.receivedHeader())
                .contains("\t(using " + m.tls().protocol() + " with cipher " + m.tls().cipher() + " (")
                .contains("\t(No client certificate requested)\r\n")
                .contains("(Authenticated sender: " + login + ")")
                .contains("by " + HOSTNAME + " (Postfix) with ESMTPSA id " + m.queueId());
        return m;
    }

    // ---- swaks ------------------------------------------------------------------------------

    @Test
    void swaksStarttlsWithAuthPlain() {
        String subject = subject("swaks --tls");
        ExternalProcess.Result r = swaks("submission", subject, "--tls", "--auth", "PLAIN",
                "--auth-user", ALICE, "--auth-password", ALICE_PASSWORD);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe())
                .contains("<-  220 2.0.0 Ready to start TLS")
                .contains("=== TLS started with cipher")
                .contains(" ~> AUTH PLAIN")
                .contains("<~  235 2.7.0 Authentication successful");
        assertTlsDelivery(subject, "PLAIN", ALICE);
    }

    @Test
    void swaksWrapperModeWithAuthLogin() {
        String subject = subject("swaks --tlsc");
        ExternalProcess.Result r = swaks("submissions", subject, "--tlsc", "--auth", "LOGIN",
                "--auth-user", BOB, "--auth-password", BOB_PASSWORD);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe())
                .contains("=== TLS started with cipher")
                .contains("<~  220 mail.isp.example ESMTP Postfix")
                .doesNotContain("STARTTLS");
        assertTlsDelivery(subject, "LOGIN", BOB);
    }

    /** swaks verifying the certificate against the exported CA (and the name it dialled, 127.0.0.1). */
    @Test
    void swaksVerifiesTheServerAgainstTheHarnessCa() {
        String subject = subject("swaks --tls-verify");
        ExternalProcess.Result r = swaks("submission", subject, "--tls", "--tls-verify", "--tls-ca-path",
                caPem.toString(), "--auth", "PLAIN", "--auth-user", ALICE, "--auth-password", ALICE_PASSWORD);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertTlsDelivery(subject, "PLAIN", ALICE);
    }

    private static ExternalProcess.Result swaks(String service, String subject, String... extra) {
        // swaks itself runs without it and would only report TLS as unavailable.
        Tools.requirePerlModule("Net::SSLeay", "libnet-ssleay-perl");
        List<String> command = new ArrayList<>(List.of(Tools.swaks(),
                "--server", "127.0.0.1", "--port", String.valueOf(isp.port(service)),
                "--helo", "client.example.net", "--timeout", "10",
                "--from", FROM, "--to", RCPT, "--header", "Subject: " + subject, "--body", "sent by swaks"));
        command.addAll(List.of(extra));
        return ExternalProcess.run(Duration.ofSeconds(20), null, command);
    }

    // ---- openssl s_client -----------------------------------------------------------------

    @Test
    void opensslStarttlsHandshakeVerifiesAndAuthIsAdvertisedAfterTls() {
        String openssl = Tools.require("openssl", "openssl");
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20),
                "EHLO client.example.net\nQUIT\n", openssl, "s_client",
                "-starttls", "smtp", "-connect", "127.0.0.1:" + isp.port("submission"),
                "-CAfile", caPem.toString(), "-verify_hostname", HOSTNAME, "-verify_return_error",
                "-crlf", "-ign_eof", "-brief");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.output()).as(r.describe())
                .contains("Verification: OK")
                .contains("Protocol version: TLSv1.3")
                .containsPattern("250-AUTH .*PLAIN LOGIN")
                .doesNotContain("250-STARTTLS")
                .contains("221 2.0.0 Bye");
    }

    // ---- Jakarta Mail ---------------------------------------------------------------------

    @Test
    void jakartaStarttlsRequired() throws MessagingException {
        Properties p = jakarta("smtp", "submission");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.socketFactory", HarnessCa.socketFactory());
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        String subject = subject("Jakarta STARTTLS");
        send(Session.getInstance(p), "smtp", subject);
        assertTlsDelivery(subject, "PLAIN", ALICE);
    }

    @Test
    void jakartaSmtps() throws MessagingException {
        Properties p = jakarta("smtps", "submissions");
        p.put("mail.smtps.ssl.socketFactory", HarnessCa.socketFactory());
        p.put("mail.smtps.ssl.checkserveridentity", "true");
        String subject = subject("Jakarta smtps");
        send(Session.getInstance(p), "smtps", subject);
        assertTlsDelivery(subject, "PLAIN", ALICE);
    }

    /**
     * A client that does not start TLS finds no AUTH under smtpd_tls_auth_only: Jakarta Mail then
     * sends without logging in, and relaying is refused.
     */
    @Test
    void jakartaWithoutStarttlsCannotAuthenticate() {
        Properties p = jakarta("smtp", "submission");
        String subject = subject("Jakarta plaintext");
        assertThatThrownBy(() -> send(Session.getInstance(p), "smtp", subject))
                .isInstanceOf(SendFailedException.class)
                .hasStackTraceContaining("454 4.7.1 <" + RCPT + ">: Relay access denied");
    }

    private static Properties jakarta(String protocol, String service) {
        Properties p = new Properties();
        p.put("mail." + protocol + ".host", "127.0.0.1");
        p.put("mail." + protocol + ".port", String.valueOf(isp.port(service)));
        p.put("mail." + protocol + ".auth", "true");
        p.put("mail." + protocol + ".auth.mechanisms", "PLAIN");
        p.put("mail." + protocol + ".localhost", "client.example.net");
        p.put("mail." + protocol + ".connectiontimeout", "10000");
        p.put("mail." + protocol + ".timeout", "10000");
        return p;
    }

    private static void send(Session session, String protocol, String subject) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(FROM));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(RCPT));
        m.setSubject(subject);
        m.setText("sent by Jakarta Mail");
        try (Transport t = session.getTransport(protocol)) {
            t.connect(ALICE, ALICE_PASSWORD);
            t.sendMessage(m, m.getAllRecipients());
        }
    }

    // ---- msmtp ----------------------------------------------------------------------------

    @Test
    void msmtpStarttls() throws IOException {
        String subject = subject("msmtp STARTTLS");
        ExternalProcess.Result r = msmtp("submission", "on", subject);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.output()).as(r.describe()).contains("--> STARTTLS").contains("<-- 220 2.0.0 Ready to start TLS");
        assertTlsDelivery(subject, "PLAIN", ALICE);
    }

    @Test
    void msmtpWrapperMode() throws IOException {
        String subject = subject("msmtp tls_starttls off");
        ExternalProcess.Result r = msmtp("submissions", "off", subject);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.output()).as(r.describe()).doesNotContain("--> STARTTLS");
        assertTlsDelivery(subject, "PLAIN", ALICE);
    }

    /** msmtp with {@code tls on}, its trust file the exported harness CA (mode 600 rc, as msmtp wants). */
    private static ExternalProcess.Result msmtp(String service, String starttls, String subject) throws IOException {
        String msmtp = Tools.msmtp();
        Path rc = Files.createTempFile(dir, "msmtprc", "");
        Files.writeString(rc, """
                account default
                host 127.0.0.1
                port %d
                domain client.example.net
                tls on
                tls_starttls %s
                tls_trust_file %s
                auth plain
                user %s
                password %s
                from %s
                timeout 10
                """.formatted(isp.port(service), starttls, caPem, ALICE, ALICE_PASSWORD, FROM));
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        String message = "From: " + FROM + "\nTo: " + RCPT + "\nSubject: " + subject + "\n\nsent by msmtp\n";
        return ExternalProcess.run(Duration.ofSeconds(20), message, msmtp, "-C", rc.toString(), "-v", "-t");
    }

    // ---- attacks --------------------------------------------------------------------------

    /** AUTH PLAIN in the clear under smtpd_tls_auth_only: refused, and the password not accepted. */
    @Test
    void plaintextAuthDowngradeIsRefused() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", isp.port("submission")), 5000);
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            assertThat(in.readLine()).isEqualTo("220 mail.isp.example ESMTP Postfix");
            out.write("EHLO client.example.net\r\n".getBytes(StandardCharsets.US_ASCII));
            List<String> ehlo = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                ehlo.add(line);
            } while (line.charAt(3) == '-');
            assertThat(ehlo).contains("250-STARTTLS").noneMatch(l -> l.contains("AUTH"));
            out.write("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("503 5.5.1 Error: authentication not enabled");
        }
    }
}
