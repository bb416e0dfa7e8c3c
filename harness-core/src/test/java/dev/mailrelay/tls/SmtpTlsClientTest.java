package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.MainCf;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP client's TLS decisions, handshakes and verification, against the harness's own smtpd. */
@Timeout(60)
class SmtpTlsClientTest {

    @TempDir
    static Path dir;
    static Harness harness;
    static Instance isp;

    @BeforeAll
    static void start() throws Exception {
        // A server certificate of its own (EC, PKCS#8 key and certificate in one PEM file) for the "own" service and the CAfile tests.
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair keys = g.generateKeyPair();
        X509Certificate cert = new CertificateBuilder(new X500Principal("CN=own.example"), keys.getPublic())
                .subjectAltNames(List.of("*.own.example"), List.of())
                .sign(keys.getPrivate());
        Files.writeString(dir.resolve("own.pem"), PemFiles.pem("PRIVATE KEY", keys.getPrivate().getEncoded())
                + PemFiles.pem("CERTIFICATE", cert.getEncoded()));
        harness = Harness.start(List.of(InstanceConfig.named("isp").directory(dir).mainCf("""
                myhostname = mail.isp.example
                smtpd_tls_security_level = may
                """).masterCf("""
                smtp inet n - n - - smtpd
                plain inet n - n - - smtpd
                  -o smtpd_tls_security_level=none
                submissions inet n - n - - smtpd
                  -o smtpd_tls_wrappermode=yes
                own inet n - n - - smtpd
                  -o smtpd_tls_chain_files=own.pem
                """)), true);
        isp = harness.instance("isp");
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    static SmtpTlsClient client(String mainCf) {
        return SmtpTlsClient.from(Parameters.defaults("relay").with(MainCf.parse(mainCf, "test")), dir);
    }

    static SmtpTlsClient.Peer peer(String nexthop, String host, String service) {
        return new SmtpTlsClient.Peer(nexthop, host, "127.0.0.1", isp.port(service));
    }

    static final SmtpTlsClient.Peer ISP = new SmtpTlsClient.Peer("mail.isp.example", "mail.isp.example", "127.0.0.1", 0);

    /** A plaintext connection that has read the greeting and sent EHLO; the keywords are kept. */
    static final class Conn implements AutoCloseable {
        Socket socket = new Socket();
        final List<String> keywords = new ArrayList<>();

        Conn(SmtpTlsClient.Peer peer, boolean ehlo) throws IOException {
            socket.connect(new InetSocketAddress(peer.address(), peer.port()), 5000);
            socket.setSoTimeout(10_000);
            if (ehlo) {
                assertThat(reply().get(0)).startsWith("220 ");
                ehlo();
            }
        }

        void ehlo() throws IOException {
            keywords.clear();
            List<String> lines = send("EHLO relay.example");
            lines.subList(1, lines.size()).forEach(l -> keywords.add(l.substring(4)));
        }

        List<String> send(String line) throws IOException {
            socket.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return reply();
        }

        /** Reads unbuffered, so that nothing is lost when the socket is wrapped for TLS. */
        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            InputStream in = socket.getInputStream();
            while (true) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                int c;
                while ((c = in.read()) >= 0 && c != '\n') {
                    if (c != '\r') {
                        b.write(c);
                    }
                }
                if (c < 0) {
                    lines.add("[closed]");
                    return lines;
                }
                String l = b.toString(StandardCharsets.US_ASCII);
                lines.add(l);
                if (l.length() < 4 || l.charAt(3) != '-') {
                    return lines;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** STARTTLS negotiated the Postfix way: EHLO, STARTTLS, handshake, EHLO again. */
    static SmtpTlsClient.Session starttls(SmtpTlsClient tls, SmtpTlsClient.Peer peer, Conn c) throws IOException {
        assertThat(tls.startTlsAfterEhlo(c.keywords, peer)).isTrue();
        assertThat(c.send("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
        SmtpTlsClient.Session s = tls.handshake(c.socket, peer);
        c.socket = s.socket();
        c.ehlo();
        assertThat(c.keywords).doesNotContain("STARTTLS");
        return s;
    }

    @Test
    void encryptStartsTlsWhenOfferedAndTrustsTheHarnessCa() throws IOException {
        SmtpTlsClient tls = client("smtp_tls_security_level = encrypt");
        SmtpTlsClient.Peer peer = peer("mail.isp.example", "mail.isp.example", "smtp");
        try (Conn c = new Conn(peer, true)) {
            SmtpTlsClient.Session s = starttls(tls, peer, c);
            assertThat(s.trusted()).isTrue();
            assertThat(s.verified()).isFalse();
            assertThat(s.tlsInfo().protocol()).isEqualTo("TLSv1.3");
            assertThat(s.logLine(peer)).isEqualTo("Trusted TLS connection established to mail.isp.example[127.0.0.1]:"
                    + peer.port() + ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
                    + " server-signature ECDSA (P-256) server-digest SHA256");
            assertThat(c.send("QUIT")).containsExactly("221 2.0.0 Bye");
        }
    }

    @Test
    void requiredTlsNotOfferedIsPostfixs474() throws IOException {
        SmtpTlsClient.Peer peer = peer("mail.isp.example", "mail.isp.example", "plain");
        try (Conn c = new Conn(peer, true)) {
            assertThatThrownBy(() -> client("smtp_tls_security_level = encrypt").startTlsAfterEhlo(c.keywords, peer))
                    .isInstanceOfSatisfying(SmtpTlsException.class, e -> {
                        assertThat(e.dsn()).isEqualTo("4.7.4");
                        assertThat(e.reason())
                                .isEqualTo("TLS is required, but was not offered by host mail.isp.example[127.0.0.1]");
                    });
            assertThat(client("smtp_tls_security_level = may").startTlsAfterEhlo(c.keywords, peer)).isFalse();
        }
        assertThat(client("").level()).isEqualTo(SmtpTlsClient.Level.NONE);
        assertThat(client("").startTlsAfterEhlo(List.of("250-STARTTLS", "250 CHUNKING"), ISP)).isFalse();
        assertThat(client("smtp_tls_security_level = may").startTlsAfterEhlo(List.of("250-STARTTLS"), ISP)).isTrue();
        assertThat(client("smtp_use_tls = yes").level()).isEqualTo(SmtpTlsClient.Level.MAY);
        assertThat(client("smtp_enforce_tls = yes").level()).isEqualTo(SmtpTlsClient.Level.VERIFY);
        assertThat(client("smtp_enforce_tls = yes\nsmtp_tls_enforce_peername = no").level())
                .isEqualTo(SmtpTlsClient.Level.ENCRYPT);
    }

    @Test
    void starttlsRefusedEndsRequiredTlsOnly() throws IOException {
        String reply = "454 4.7.0 TLS not available due to local problem";
        assertThatThrownBy(() -> client("smtp_tls_security_level = encrypt").starttlsRefused(reply, ISP))
                .isInstanceOfSatisfying(SmtpTlsException.class, e -> {
                    assertThat(e.dsn()).isEqualTo("4.7.0");
                    assertThat(e.reason()).isEqualTo("TLS is required, but host mail.isp.example[127.0.0.1] refused"
                            + " to start TLS: 454 4.7.0 TLS not available due to local problem");
                });
        client("smtp_tls_security_level = may").starttlsRefused(reply, ISP);
    }

    @Test
    void verifyMatchesTheHostName() throws IOException {
        SmtpTlsClient tls = client("smtp_tls_security_level = verify");
        SmtpTlsClient.Peer peer = peer("isp.example", "mail.isp.example", "smtp");
        try (Conn c = new Conn(peer, true)) {
            SmtpTlsClient.Session s = starttls(tls, peer, c);
            assertThat(s.verified()).isTrue();
            assertThat(s.logLine(peer)).startsWith("Verified TLS connection established to mail.isp.example[127.0.0.1]:");
        }
        SmtpTlsClient.Peer wrongName = peer("isp.example", "mx.elsewhere.example", "smtp");
        try (Conn c = new Conn(wrongName, true)) {
            assertThat(tls.startTlsAfterEhlo(c.keywords, wrongName)).isTrue();
            c.send("STARTTLS");
            assertThatThrownBy(() -> tls.handshake(c.socket, wrongName))
                    .isInstanceOfSatisfying(SmtpTlsException.class, e -> {
                        assertThat(e.dsn()).isEqualTo("4.7.5");
                        assertThat(e.reason()).isEqualTo("Server certificate not verified");
                        assertThat(e.detail()).contains("hostname mismatch");
                        assertThat(e.plaintextFallback()).isFalse();
                    });
        }
    }

    @Test
    void secureMatchesNexthopAndItsSubdomains() throws IOException {
        SmtpTlsClient tls = client("smtp_tls_security_level = secure");
        SmtpTlsClient.Peer peer = peer("isp.example", "mx1.isp.example", "smtp");
        try (Conn c = new Conn(peer, true)) {
            // The certificate names mail.isp.example: below the next hop isp.example (dot-nexthop).
            assertThat(starttls(tls, peer, c).verified()).isTrue();
        }
        SmtpTlsClient.Peer other = peer("other.example", "mail.isp.example", "smtp");
        try (Conn c = new Conn(other, true)) {
            tls.startTlsAfterEhlo(c.keywords, other);
            c.send("STARTTLS");
            assertThatThrownBy(() -> tls.handshake(c.socket, other)).isInstanceOf(SmtpTlsException.class)
                    .hasMessageStartingWith("Server certificate not verified");
        }
    }

    @Test
    void untrustedCertificateIsNotVerifiedUnlessCaFileTrustsIt() throws IOException {
        SmtpTlsClient.Peer peer = peer("own.example", "mx.own.example", "own");
        try (Conn c = new Conn(peer, true)) {
            SmtpTlsClient tls = client("smtp_tls_security_level = verify");
            tls.startTlsAfterEhlo(c.keywords, peer);
            c.send("STARTTLS");
            assertThatThrownBy(() -> tls.handshake(c.socket, peer))
                    .isInstanceOfSatisfying(SmtpTlsException.class, e -> {
                        assertThat(e.reason()).isEqualTo("Server certificate not verified");
                        assertThat(e.detail()).contains("untrusted issuer CN=own.example");
                    });
        }
        try (Conn c = new Conn(peer, true)) {
            // encrypt does not care about trust; the session is logged as Untrusted.
            SmtpTlsClient.Session s = starttls(client("smtp_tls_security_level = encrypt"), peer, c);
            assertThat(s.trusted()).isFalse();
            assertThat(s.logLine(peer)).startsWith("Untrusted TLS connection established to mx.own.example[127.0.0.1]:");
        }
        try (Conn c = new Conn(peer, true)) {
            SmtpTlsClient.Session s = starttls(client("smtp_tls_security_level = verify\nsmtp_tls_CAfile = own.pem"),
                    peer, c);
            assertThat(s.verified()).isTrue();   // *.own.example matches mx.own.example
        }
    }

    @Test
    void wrapperModeHandshakesBeforeTheGreeting() throws IOException {
        SmtpTlsClient tls = client("smtp_tls_security_level = encrypt\nsmtp_tls_wrappermode = yes");
        assertThat(tls.wrapperMode()).isTrue();
        SmtpTlsClient.Peer peer = peer("mail.isp.example", "mail.isp.example", "submissions");
        try (Conn c = new Conn(peer, false)) {
            c.socket = tls.handshake(c.socket, peer).socket();
            assertThat(c.reply()).containsExactly("220 mail.isp.example ESMTP Postfix");
            c.ehlo();
            assertThat(c.keywords).doesNotContain("STARTTLS");
        }
        assertThatThrownBy(() -> client("smtp_tls_security_level = may\nsmtp_tls_wrappermode = yes"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp_tls_wrappermode requires");
    }

    @Test
    void mandatoryProtocolsApplyFromEncryptOn() throws IOException {
        SmtpTlsClient tls = client("smtp_tls_security_level = encrypt\nsmtp_tls_mandatory_protocols = <=TLSv1.2");
        SmtpTlsClient.Peer peer = peer("mail.isp.example", "mail.isp.example", "smtp");
        try (Conn c = new Conn(peer, true)) {
            SmtpTlsClient.Session s = starttls(tls, peer, c);
            assertThat(s.details().protocol()).isEqualTo("TLSv1.2");
            assertThat(s.details().cipher()).isEqualTo("ECDHE-ECDSA-AES256-GCM-SHA384");
        }
    }

    @Test
    void failedOpportunisticHandshakeAllowsPlaintextFallback() throws IOException {
        SmtpTlsClient.Peer peer = peer("mail.isp.example", "mail.isp.example", "plain");
        try (Conn c = new Conn(peer, true)) {
            // The plaintext server reads the ClientHello as a bogus command and hangs up.
            assertThatThrownBy(() -> client("smtp_tls_security_level = may").handshake(c.socket, peer))
                    .isInstanceOfSatisfying(SmtpTlsException.class, e -> {
                        assertThat(e.dsn()).isEqualTo("4.7.5");
                        assertThat(e.reason()).isEqualTo("Cannot start TLS: handshake failure");
                        assertThat(e.plaintextFallback()).isTrue();
                    });
        }
    }

    @Test
    void badLevelsFailAtConfiguration() {
        assertThatThrownBy(() -> client("smtp_tls_security_level = dane")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not supported");
        assertThatThrownBy(() -> client("smtp_tls_security_level = strong")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("Invalid TLS level \"strong\"");
    }
}
