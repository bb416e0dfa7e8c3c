package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.HarnessCa;
import dev.mailrelay.tls.OpenSsl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * STARTTLS, wrapper mode, smtpd_tls_security_level = encrypt, smtpd_tls_auth_only and the TLS parts
 * of the Received header, with replies as smtpd.c (Postfix 3.7.11) gives them.
 */
@Timeout(60)
class SmtpdTlsTest {

    static final String ALICE = "AGFsaWNlAHNlY3JldA==";   // \0alice\0secret
    static final String READY = "220 2.0.0 Ready to start TLS";
    static final String MECHS = "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256";

    @TempDir
    static Path dir;
    static Harness harness;
    static Instance isp;
    static SSLSocketFactory trustingHarness;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"),
                "mech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256\n");
        harness = Harness.start(List.of(InstanceConfig.named("isp").directory(dir).mainCf("""
                myhostname = mail.isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_authenticated_header = yes
                smtpd_error_sleep_time = 0
                mailrelay_sasl_users = inline:{ alice=secret }
                smtpd_tls_security_level = may
                """).masterCf("""
                may inet n - n - - smtpd
                  -o smtpd_tls_received_header=yes
                plain inet n - n - - smtpd
                  -o smtpd_tls_security_level=none
                encrypt inet n - n - - smtpd
                  -o smtpd_tls_security_level=encrypt
                authonly inet n - n - - smtpd
                  -o smtpd_tls_auth_only=yes
                noplaintext inet n - n - - smtpd
                  -o smtpd_sasl_security_options=noanonymous,noplaintext
                  -o smtpd_sasl_tls_security_options=noanonymous
                tls12 inet n - n - - smtpd
                  -o smtpd_tls_protocols=<=TLSv1.2
                  -o smtpd_tls_received_header=yes
                submissions inet n - n - - smtpd
                  -o smtpd_tls_wrappermode=yes
                """)), true);
        isp = harness.instance("isp");
        trustingHarness = HarnessCa.socketFactory();
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    static List<String> ehlo(boolean starttls, String mechs) {
        List<String> l = new ArrayList<>(List.of("250-mail.isp.example", "250-PIPELINING", "250-SIZE 10240000",
                "250-VRFY", "250-ETRN"));
        if (starttls) {
            l.add("250-STARTTLS");
        }
        if (mechs != null) {
            l.add("250-AUTH " + mechs);
        }
        l.addAll(List.of("250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"));
        return l;
    }

    static SmtpDialog open(String service) throws IOException {
        SmtpDialog d = SmtpDialog.open(isp.port(service));
        assertThat(d.greeting).containsExactly("220 mail.isp.example ESMTP Postfix");
        return d;
    }

    @Test
    void starttlsIsOfferedAfterEtrnAndBeforeAuthThenAuthIsOfferedOverTls() throws IOException {
        try (SmtpDialog d = open("may")) {
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(true, MECHS));
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            SSLSocket ssl = d.startTls(trustingHarness);
            assertThat(ssl.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, MECHS));
            assertThat(d.send("STARTTLS")).containsExactly("554 5.5.1 Error: TLS already active");
            assertThat(d.send("QUIT")).containsExactly("221 2.0.0 Bye");
        }
    }

    @Test
    void starttlsSyntaxAndNotOffered() throws IOException {
        try (SmtpDialog d = open("may")) {
            assertThat(d.send("STARTTLS now")).containsExactly("501 5.5.4 Syntax: STARTTLS");
        }
        try (SmtpDialog d = open("plain")) {
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, MECHS));
            assertThat(d.send("STARTTLS")).containsExactly("502 5.5.1 Error: command not implemented");
        }
    }

    @Test
    void encryptRefusesMailAndAuthBeforeStarttls() throws IOException {
        try (SmtpDialog d = open("encrypt")) {
            // Enforcement implies smtpd_tls_auth_only: no AUTH in the plaintext EHLO.
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(true, null));
            assertThat(d.send("MAIL FROM:<a@isp.example>")).containsExactly("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(d.send("RSET")).containsExactly("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(d.send("NOOP")).containsExactly("250 2.0.0 Ok");
            assertThat(d.send("BOGUS")).containsExactly("500 5.5.2 Error: command not recognized");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(trustingHarness);
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, MECHS));
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
            assertThat(d.send("MAIL FROM:<a@isp.example>")).containsExactly("250 2.1.0 Ok");
        }
    }

    @Test
    void authOnlyRefusesAPlaintextDowngrade() throws IOException {
        try (SmtpDialog d = open("authonly")) {
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(true, null));
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("503 5.5.1 Error: authentication not enabled");
            // MAIL's AUTH= is ignored while SASL is inactive, as smtpd_sasl_mail_opt() is never reached.
            assertThat(d.send("MAIL FROM:<a@isp.example> AUTH=<a@isp.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<friend@remote.example>")).first().asString().startsWith("454 4.7.1");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(trustingHarness);
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, MECHS));
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void saslTlsSecurityOptionsApplyAfterTheHandshake() throws IOException {
        try (SmtpDialog d = open("noplaintext")) {
            assertThat(d.send("EHLO client.example.net"))
                    .containsExactlyElementsOf(ehlo(true, "CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256"));
            assertThat(d.send("AUTH PLAIN " + ALICE))
                    .containsExactly("535 5.7.8 Error: authentication failed: no mechanism available");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(trustingHarness);
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, MECHS));
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void starttlsResetsHeloTransactionAndLogin() throws IOException {
        try (SmtpDialog d = open("may")) {
            d.send("EHLO client.example.net");
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
            assertThat(d.send("MAIL FROM:<a@isp.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(trustingHarness);
            assertThat(d.send("RCPT TO:<friend@remote.example>")).containsExactly("503 5.5.1 Error: need MAIL command");
            // The login made in plaintext is gone: relaying is denied again.
            assertThat(d.send("MAIL FROM:<a@isp.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<friend@remote.example>")).first().asString().startsWith("454 4.7.1");
        }
    }

    /** CVE-2011-0411: a command pipelined behind STARTTLS in plaintext must not run inside TLS. */
    @Test
    void plaintextPipelinedAfterStarttlsIsDiscarded() throws IOException {
        // An instance of its own, so that its one ended session is this one.
        try (Harness h = Harness.start(List.of(InstanceConfig.named("inject").mainCf(
                "myhostname = mail.isp.example\nsmtpd_tls_security_level = may\n")), true);
             SmtpDialog d = SmtpDialog.open(h.instance("inject").port("smtp"))) {
            d.send("EHLO client.example.net");
            d.write("STARTTLS\r\nRSET\r\n");
            assertThat(d.reply()).containsExactly(READY);
            d.startTls(trustingHarness);
            assertThat(d.send("NOOP")).containsExactly("250 2.0.0 Ok");
            assertThat(d.send("QUIT")).containsExactly("221 2.0.0 Bye");
            assertThat(d.reply()).containsExactly("[closed]");
            CapturedSession s = h.instance("inject").capture().awaitEndedSessions(1, Duration.ofSeconds(10)).get(0);
            assertThat(s.transcript()).extracting(CapturedSession.Exchange::command)
                    .containsExactly(null, "EHLO client.example.net", "STARTTLS", "NOOP", "QUIT");
            assertThat(s.tls()).isNotNull();
            assertThat(s.tls().protocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void wrapperModeStartsTlsBeforeTheGreeting() throws IOException {
        try (SmtpDialog d = SmtpDialog.openTls(isp.port("submissions"), trustingHarness)) {
            assertThat(d.greeting).containsExactly("220 mail.isp.example ESMTP Postfix");
            assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, MECHS));
            assertThat(d.send("STARTTLS")).containsExactly("554 5.5.1 Error: TLS already active");
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
            String subject = "wrapper " + Instant.now().toEpochMilli();
            CapturedMessage m = send(d, subject);
            assertThat(m.protocol()).isEqualTo("ESMTPSA");
            assertThat(m.tls().protocol()).isEqualTo("TLSv1.3");
            assertThat(m.tls().clientCertificatePresented()).isFalse();
            // smtpd_tls_received_header = no (the default): no TLS comment, but "with ESMTPSA".
            assertThat(m.receivedHeader()).doesNotContain("(using ").contains("with ESMTPSA id " + m.queueId());
        }
    }

    @Test
    void receivedHeaderDescribesTheTlsSessionAsPostfixDoes() throws Exception {
        try (SmtpDialog d = open("may")) {
            d.send("EHLO client.example.net");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(newClient());
            d.send("EHLO client.example.net");
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
            CapturedMessage m = send(d, "received tls13");
            assertThat(m.receivedHeader()).startsWith("""
                    Received: from client.example.net (localhost [127.0.0.1])\r
                    \t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r
                    \t server-signature ECDSA (P-256) server-digest SHA256)\r
                    \t(No client certificate requested)\r
                    \t(Authenticated sender: alice)\r
                    \tby mail.isp.example (Postfix) with ESMTPSA id\s""");
            assertThat(m.tls().cipher()).isEqualTo("TLS_AES_256_GCM_SHA384");
        }
    }

    /**
     * A resumed session signs nothing: Postfix's tls_get_signature_params() returns before the
     * signature when the session was reused, so neither log nor Received header names one.
     */
    @Test
    void resumedSessionHasNoServerSignature() throws Exception {
        SSLSocketFactory client = newClient();
        try (SmtpDialog d = open("may")) {
            d.send("EHLO client.example.net");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(client);
            d.send("EHLO client.example.net");      // reads the server's session ticket too
            d.send("QUIT");
        }
        try (SmtpDialog d = open("may")) {
            d.send("EHLO client.example.net");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(client);
            d.send("EHLO client.example.net");
            assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("235 2.7.0 Authentication successful");
            CapturedMessage m = send(d, "received resumed");
            assertThat(m.receivedHeader()).contains("\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
                    + "\t(No client certificate requested)\r\n");
        }
    }

    @Test
    void tls12WithOpenSslCipherNamesAndEsmtps() throws Exception {
        try (SmtpDialog d = open("tls12")) {
            d.send("EHLO client.example.net");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            SSLSocket ssl = d.startTls(newClient());
            assertThat(ssl.getSession().getProtocol()).isEqualTo("TLSv1.2");
            d.send("EHLO client.example.net");
            // Without AUTH only local mail is accepted: mydestination.
            assertThat(d.send("MAIL FROM:<a@isp.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<postmaster@mail.isp.example>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("DATA")).containsExactly("354 End data with <CR><LF>.<CR><LF>");
            assertThat(d.send("Subject: tls12\r\n\r\nhi\r\n.")).first().asString().startsWith("250 2.0.0 Ok: queued as ");
            CapturedMessage m = isp.capture().awaitMessage(x -> "tls12".equals(x.subject()), Duration.ofSeconds(10));
            assertThat(m.protocol()).isEqualTo("ESMTPS");
            assertThat(m.tls().cipher()).isEqualTo("ECDHE-ECDSA-AES256-GCM-SHA384");
            assertThat(m.receivedHeader()).contains("""
                    \t(using TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)\r
                    \t server-signature ECDSA (P-256))\r
                    \t(No client certificate requested)\r
                    \tby mail.isp.example (Postfix) with ESMTPS id""");
        }
    }

    /** smtpd_tls_ask_ccert: a presented client certificate is recorded and named in the Received header. */
    @Test
    void clientCertificateIsRecorded(@TempDir Path certs) throws Exception {
        // A client certificate issued by a CA of its own, made with openssl as a user would.
        OpenSsl.run(certs, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=client CA", "-days", "1");
        OpenSsl.run(certs, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=relay.client.example");
        OpenSsl.run(certs, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "1", "-out", "client.pem");
        OpenSsl.run(certs, "pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key",
                "-passout", "pass:client", "-out", "client.p12");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(certs.resolve("client.p12"))) {
            ks.load(in, "client".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "client".toCharArray());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(HarnessCa.trustStore());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (Harness h = Harness.start(List.of(InstanceConfig.named("ccert").mainCf("""
                myhostname = mail.isp.example
                smtpd_tls_security_level = may
                smtpd_tls_ask_ccert = yes
                smtpd_tls_received_header = yes
                """)), true);
             SmtpDialog d = SmtpDialog.open(h.instance("ccert").port("smtp"))) {
            d.send("EHLO client.example.net");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            d.startTls(ctx.getSocketFactory());
            d.send("EHLO client.example.net");
            assertThat(d.send("MAIL FROM:<a@isp.example>")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<postmaster@mail.isp.example>")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("DATA")).containsExactly("354 End data with <CR><LF>.<CR><LF>");
            assertThat(d.send("Subject: ccert\r\n\r\nhi\r\n.")).first().asString().startsWith("250 2.0.0 Ok");
            CapturedMessage m = h.instance("ccert").capture().awaitMessages(1, Duration.ofSeconds(10)).get(0);
            assertThat(m.tls().clientCertificatePresented()).isTrue();
            assertThat(m.receivedHeader()).contains(
                    "\t(Client CN \"relay.client.example\", Issuer \"client CA\" (not verified))\r\n");
        }
    }

    /** The harness CA and the server certificate are made once per JVM, not per start. */
    @Test
    void certificateIsGeneratedOncePerJvm() throws Exception {
        X509Certificate first = servedCertificate(isp.port("may"));
        try (Harness second = Harness.start(List.of(InstanceConfig.named("again").mainCf("""
                myhostname = mail.isp.example
                smtpd_tls_security_level = may
                """)), true)) {
            X509Certificate again = servedCertificate(second.instance("again").port("smtp"));
            assertThat(again).isSameAs(first).isEqualTo(first);
        }
        assertThat(first.getIssuerX500Principal()).isEqualTo(HarnessCa.certificate().getSubjectX500Principal());
        assertThat(first.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))))
                .contains("mail.isp.example", "localhost", "127.0.0.1");
    }

    @Test
    void certificateFromPemFiles(@TempDir Path other) throws Exception {
        // An RSA key in OpenSSL's traditional (PKCS#1) form and a self-signed certificate, as openssl makes them.
        OpenSsl.run(other, "genrsa", "-traditional", "-out", "key.pem", "2048");
        OpenSsl.run(other, "req", "-new", "-x509", "-key", "key.pem", "-out", "cert.pem", "-subj", "/CN=own.example",
                "-days", "1");
        X509Certificate cert;
        try (var in = Files.newInputStream(other.resolve("cert.pem"))) {
            cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(Files.readString(other.resolve("key.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        try (Harness h = Harness.start(List.of(InstanceConfig.named("own").directory(other).mainCf("""
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = cert.pem
                smtpd_tls_key_file = key.pem
                """)), true)) {
            assertThat(servedCertificate(h.instance("own").port("smtp"))).isEqualTo(cert);
        }
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("bad").directory(other).mainCf("""
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = missing.pem
                """)), true)).isInstanceOf(ConfigException.class).hasMessageContaining("smtpd_tls_cert_file");
    }

    @Test
    void badSecurityLevelOrProtocolFailsTheStart() {
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("bad").mainCf(
                "smtpd_tls_security_level = sometimes")), true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Invalid TLS level \"sometimes\"");
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("bad").mainCf("""
                smtpd_tls_security_level = may
                smtpd_tls_protocols = TLSv1.1
                """)), true)).isInstanceOf(ConfigException.class).hasMessageContaining("smtpd_tls_protocols");
    }

    private static X509Certificate servedCertificate(int port) throws IOException {
        try (SmtpDialog d = SmtpDialog.open(port)) {
            d.send("EHLO client.example.net");
            assertThat(d.send("STARTTLS")).containsExactly(READY);
            SSLSocket ssl = d.startTls(acceptAnything());
            return (X509Certificate) ssl.getSession().getPeerCertificates()[0];
        }
    }

    private static SSLSocketFactory acceptAnything() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    // a test client that only looks
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // a test client that only looks
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client trusting the harness CA with a session cache of its own: its first handshake with a service is a full one. */
    private static SSLSocketFactory newClient() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(HarnessCa.trustStore());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private static CapturedMessage send(SmtpDialog d, String subject) throws IOException {
        assertThat(d.send("MAIL FROM:<alice@isp.example>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<friend@remote.example>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("DATA")).containsExactly("354 End data with <CR><LF>.<CR><LF>");
        assertThat(d.send("Subject: " + subject + "\r\n\r\nhello\r\n.")).first().asString()
                .startsWith("250 2.0.0 Ok: queued as ");
        return isp.capture().awaitMessage(m -> subject.equals(m.subject()), Duration.ofSeconds(10));
    }
}
