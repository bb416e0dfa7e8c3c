package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential fidelity suite: a real private Postfix 3.7 with Cyrus SASL (sasldb), configured as
 * SASL_README configures it, and the harness configured with the same parameters, answer the same
 * scripted SMTP dialogs; every reply line must be equal after volatile parts are masked (SASL
 * challenges other than LOGIN's fixed prompts, queue ids). Differences that are deliberate are in
 * {@link #DELIBERATE_DIFFERENCES}, the one place that lists them (the README's "Fidelity" section
 * repeats it).
 */
class PostfixFidelityTest {

    /** The parameters under test, given unchanged to both servers. */
    static final String MAIN_CF = """
            myhostname = mail.example.com
            mydomain = example.com
            mydestination = $myhostname, $mydomain, localhost
            mynetworks = 127.0.0.0/8
            smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_authenticated_header = yes
            broken_sasl_auth_clients = yes
            smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
            message_size_limit = 10240000
            """;
    static final String MECH_LIST = "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256 ANONYMOUS";

    /** master.cf services: label -> overrides, the same for both. */
    static final Map<String, String> SERVICES = new LinkedHashMap<>();

    static {
        SERVICES.put("main", "");
        SERVICES.put("outside", "-o mynetworks=10.0.0.0/8");
        SERVICES.put("norelay", "-o mynetworks=10.0.0.0/8 -o smtpd_relay_restrictions=");
        SERVICES.put("noauth", "-o smtpd_sasl_auth_enable=no");
        SERVICES.put("limits", "-o smtpd_soft_error_limit=2 -o smtpd_hard_error_limit=4 -o smtpd_error_sleep_time=0");
        SERVICES.put("anon", "-o smtpd_sasl_security_options=");
        SERVICES.put("junk", "-o smtpd_junk_command_limit=3 -o smtpd_hard_error_limit=4 -o smtpd_error_sleep_time=0");
        SERVICES.put("strictutf8", "-o strict_smtputf8=yes -o smtputf8_enable=yes");
    }

    /**
     * Where the harness deliberately answers otherwise than Postfix: dialog name and reason. A dialog
     * listed here is still run against both servers, but not compared.
     */
    static final List<Map.Entry<String, String>> DELIBERATE_DIFFERENCES = List.of();

    private static final String USER = "alice@example.com";
    private static final String PASSWORD = "secret";

    @TempDir
    static Path temp;
    private static PrivatePostfix postfix;
    private static RealDovecot dovecot;
    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        // Both servers also ask one real Dovecot auth service (over inet: Postfix's smtpd runs as postfix).
        dovecot = RealDovecot.start(temp.resolve("dovecot"), Map.of(USER, PASSWORD));
        SERVICES.put("dovecot", "-o smtpd_sasl_type=dovecot -o smtpd_sasl_path=inet:127.0.0.1:" + dovecot.inetPort());
        // STARTTLS: both serve the same self-signed certificate, made by openssl req -x509.
        Path[] pem = PrivatePostfix.selfSignedCertificate(temp.resolve("tls"), "mail.example.com");
        String tls = " -o smtpd_tls_cert_file=" + pem[0] + " -o smtpd_tls_key_file=" + pem[1];
        SERVICES.put("tls", "-o smtpd_tls_security_level=may -o smtpd_tls_auth_only=yes" + tls);
        SERVICES.put("tlsnoauthonly", "-o smtpd_tls_security_level=may" + tls);
        SERVICES.put("encrypt", "-o smtpd_tls_security_level=encrypt -o mynetworks=10.0.0.0/8" + tls);
        postfix = PrivatePostfix.start(temp.resolve("postfix"), MAIN_CF, SERVICES,
                Map.of(USER, PASSWORD, "bob@example.com", "bobpw"), MECH_LIST);
        Path dir = temp.resolve("harness");
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: "
                + MECH_LIST + "\n");
        StringBuilder master = new StringBuilder();
        SERVICES.forEach((label, overrides) -> master.append(label).append(" inet n - n - - smtpd ").append(overrides).append('\n'));
        harness = Harness.start(List.of(InstanceConfig.named("fidelity").directory(dir).mainCf(MAIN_CF + """
                default_transport = discard
                mailrelay_sasl_users = inline:{ alice@example.com=secret, bob@example.com=bobpw }
                """).masterCf(master.toString())), true);
    }

    @AfterAll
    static void stop() {
        try {
            if (harness != null) {
                harness.close();
            }
        } finally {
            try {
                if (postfix != null) {
                    postfix.close();
                }
            } finally {
                if (dovecot != null) {
                    dovecot.close();
                }
            }
        }
    }

    /** One scripted dialog: the service it talks to and the script. */
    record Dialog(String name, String service, Consumer<Script> script) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Runs commands on one connection and records the masked replies. */
    static final class Script {
        final SmtpDialog d;
        final List<String> transcript = new ArrayList<>();

        Script(SmtpDialog d) {
            this.d = d;
        }

        List<String> send(String command) {
            return record(command, d.send(command));
        }

        List<String> record(String command, List<String> reply) {
            transcript.add("C: " + (command.length() > 60 ? command.substring(0, 60) + "..." : command));
            reply.forEach(l -> transcript.add("S: " + mask(l)));
            return reply;
        }

        /** Sends STARTTLS and, after a 220 reply, does the TLS handshake. */
        List<String> starttls() {
            List<String> reply = send("STARTTLS");
            if (reply.get(0).startsWith("220 ")) {
                handshake();
            }
            return reply;
        }

        /** Sends STARTTLS and a pipelined command in one write, then the handshake, then reads on. */
        void starttlsPipelined(String command) {
            d.write("STARTTLS\r\n" + command);
            starttlsReply(d.reply());
            transcript.add("S (after the handshake): " + d.send("NOOP").stream().map(Script::mask).toList());
        }

        private void starttlsReply(List<String> reply) {
            record("STARTTLS (pipelined)", reply);
            if (reply.get(0).startsWith("220 ")) {
                handshake();
            }
        }

        /** The TLS handshake after 220; a failed one fails the dialog (both servers failing alike proves nothing). */
        private void handshake() {
            String protocol = d.startTls();
            if (!protocol.startsWith("TLSv")) {
                throw new AssertionError("TLS handshake failed: " + protocol + "\n" + String.join("\n", transcript));
            }
            transcript.add("(TLS handshake)");
        }

        /** Sends {@code AUTH CRAM-MD5} and answers the challenge. */
        void cramMd5(String user, String password) {
            List<String> challenge = send("AUTH CRAM-MD5");
            if (!challenge.get(0).startsWith("334 ")) {
                return;
            }
            try {
                Mac mac = Mac.getInstance("HmacMD5");
                mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
                byte[] digest = mac.doFinal(Base64.getDecoder().decode(challenge.get(0).substring(4)));
                StringBuilder hex = new StringBuilder();
                for (byte b : digest) {
                    hex.append(String.format("%02x", b));
                }
                record("<CRAM-MD5 response>", d.send(SmtpDialog.b64(user + " " + hex)));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        static String mask(String line) {
            if (line.startsWith("334 ")) {
                String c = line.substring(4);
                return c.isEmpty() || c.equals("VXNlcm5hbWU6") || c.equals("UGFzc3dvcmQ6") ? line : "334 <challenge>";
            }
            return line.replaceAll("queued as [0-9A-Z]+", "queued as <id>");
        }
    }

    static String plain(String user, String password) {
        return SmtpDialog.b64("\0" + user + "\0" + password);
    }

    static Stream<Arguments> dialogs() {
        List<Dialog> all = List.of(
                new Dialog("EHLO and HELO", "main", s -> {
                    s.send("EHLO client.example.net");
                    s.send("HELO client.example.net");
                    s.send("EHLO");
                }),
                new Dialog("AUTH PLAIN with initial response, then relay", "outside", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<alice@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                    s.send("DATA");
                    s.send("Subject: fidelity\r\n\r\nbody\r\n.");
                }),
                new Dialog("AUTH PLAIN without initial response", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN");
                    s.send(plain(USER, PASSWORD));
                }),
                new Dialog("AUTH LOGIN", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH LOGIN");
                    s.send(SmtpDialog.b64(USER));
                    s.send(SmtpDialog.b64(PASSWORD));
                }),
                new Dialog("AUTH LOGIN with initial response", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH LOGIN " + SmtpDialog.b64("bob@example.com"));
                    s.send(SmtpDialog.b64("bobpw"));
                }),
                new Dialog("AUTH CRAM-MD5", "main", s -> {
                    s.send("EHLO c");
                    s.cramMd5(USER, PASSWORD);
                }),
                new Dialog("AUTH CRAM-MD5 wrong password", "main", s -> {
                    s.send("EHLO c");
                    s.cramMd5(USER, "wrong");
                }),
                new Dialog("wrong password and unknown user", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, "wrong"));
                    s.send("AUTH PLAIN " + plain("nobody@example.com", PASSWORD));
                    s.send("AUTH LOGIN");
                    s.send(SmtpDialog.b64(USER));
                    s.send(SmtpDialog.b64("wrong"));
                    s.send("AUTH PLAIN " + SmtpDialog.b64("bob@example.com\0" + USER + "\0" + PASSWORD));
                }),
                new Dialog("cancel", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN");
                    s.send("*");
                    s.send("AUTH LOGIN");
                    s.send(SmtpDialog.b64(USER));
                    s.send("*");
                }),
                new Dialog("bad base64", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN !!!!");
                    s.send("AUTH PLAIN abc");
                    s.send("AUTH PLAIN =");
                    s.send("AUTH PLAIN " + SmtpDialog.b64("no nuls"));
                    s.send("AUTH LOGIN");
                    s.send("!!!");
                    s.send("AUTH PLAIN");
                    s.send("");
                }),
                new Dialog("unknown and unoffered mechanisms", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH FOO");
                    s.send("AUTH ANONYMOUS " + SmtpDialog.b64("trace"));
                    s.send("AUTH NTLM");
                    s.send("auth plain " + plain(USER, PASSWORD));
                }),
                new Dialog("AUTH syntax", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH");
                    s.send("AUTH PLAIN x extra");
                }),
                new Dialog("repeated AUTH", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("AUTH LOGIN");
                }),
                new Dialog("AUTH in a transaction", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("RSET");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                }),
                new Dialog("AUTH before EHLO", "main", s -> s.send("AUTH PLAIN " + plain(USER, PASSWORD))),
                new Dialog("relay denied (defer_unauth_destination), then allowed after AUTH", "outside", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("RSET");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                }),
                new Dialog("relay denied by reject_unauth_destination", "norelay", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                }),
                new Dialog("AUTH not enabled", "noauth", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                }),
                new Dialog("ANONYMOUS allowed", "anon", s -> {
                    s.send("EHLO c");
                    s.send("AUTH ANONYMOUS " + SmtpDialog.b64("trace@example.net"));
                }),
                new Dialog("overlong response", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN");
                    s.send("A".repeat(12300));
                    s.send("NOOP");
                }),
                new Dialog("error limits", "limits", s -> {
                    s.send("EHLO c");
                    for (int i = 0; i < 5; i++) {
                        s.send("AUTH PLAIN " + plain(USER, "wrong" + i));
                    }
                }),
                new Dialog("HELO, EHLO, NOOP, RSET and VRFY count toward smtpd_junk_command_limit", "junk", s -> {
                    s.send("HELO c");
                    s.send("NOOP");
                    s.send("RSET");
                    s.send("VRFY postmaster");
                    for (int i = 0; i < 6; i++) {
                        s.send("EHLO c");
                    }
                }),
                new Dialog("Dovecot: success, failures, cancel, bad base64, unknown mechanism", "dovecot", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, "wrong"));
                    s.send("AUTH FOO");
                    s.send("AUTH PLAIN !!!!");
                    s.send("AUTH LOGIN");
                    s.send("*");
                    s.send("AUTH LOGIN");
                    s.send("a b");
                    s.send("AUTH LOGIN");
                    s.send(SmtpDialog.b64(USER));
                    s.send(SmtpDialog.b64(PASSWORD));
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                }),
                new Dialog("Dovecot: AUTH PLAIN without initial response", "dovecot", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN");
                    s.send(plain(USER, PASSWORD));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<x@remote.example.org>");
                }),
                new Dialog("STARTTLS with smtpd_tls_auth_only: AUTH before and after TLS, STARTTLS twice", "tls", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("STARTTLS extra");
                    s.starttls();
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("EHLO c");
                    s.starttls();
                    s.send("AUTH PLAIN " + plain(USER, "wrong"));
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<alice@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                    s.send("DATA");
                    s.send("Subject: over TLS\r\n\r\nbody\r\n.");
                }),
                new Dialog("STARTTLS before EHLO, then HELO", "tls", s -> {
                    s.starttls();
                    s.send("HELO c");
                    s.send("EHLO c");
                    s.cramMd5(USER, PASSWORD);
                }),
                new Dialog("STARTTLS without smtpd_tls_auth_only: AUTH before TLS", "tlsnoauthonly", s -> {
                    s.send("EHLO c");
                    s.send("AUTH LOGIN");
                    s.send(SmtpDialog.b64(USER));
                    s.send(SmtpDialog.b64(PASSWORD));
                    s.starttls();
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<a@example.com>");
                }),
                new Dialog("STARTTLS in a transaction", "tlsnoauthonly", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.starttls();
                    s.send("RSET");
                    s.starttls();
                    s.send("EHLO c");
                }),
                new Dialog("STARTTLS with a pipelined command", "tlsnoauthonly", s -> {
                    s.send("EHLO c");
                    // An unknown command injected in plaintext behind STARTTLS: answered only if not discarded.
                    s.starttlsPipelined("FOO");
                }),
                new Dialog("smtpd_tls_security_level = encrypt: 530 before STARTTLS", "encrypt", s -> {
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                    s.send("VRFY alice");
                    s.send("NOOP");
                    s.starttls();
                    s.send("EHLO c");
                    s.send("AUTH PLAIN " + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<alice@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                }),
                // UTF-8 bytes of "jörg" and "müller", written as the ISO-8859-1 characters SmtpDialog sends.
                new Dialog("non-ASCII addresses without SMTPUTF8 are accepted", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<j\u00c3\u00b6rg@example.com>");
                    s.send("RCPT TO:<m\u00c3\u00bcller@remote.example.org>");
                }),
                new Dialog("strict_smtputf8 = yes: non-ASCII addresses need SMTPUTF8", "strictutf8", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<j\u00c3\u00b6rg@example.com>");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<m\u00c3\u00bcller@remote.example.org>");
                    s.send("RSET");
                    s.send("MAIL FROM:<j\u00c3\u00b6rg@example.com> SMTPUTF8");
                    s.send("RCPT TO:<m\u00c3\u00bcller@remote.example.org>");
                }),
                new Dialog("empty line, unknown command, STARTTLS without TLS", "main", s -> {
                    s.send("");
                    s.send("FOO");
                    s.send("STARTTLS");
                }));
        return all.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dialogs")
    void sameRepliesAsPostfix(Dialog dialog) throws java.io.IOException {
        List<String> real = run(dialog, postfix.port(dialog.service()));
        // Postfix's transcripts, for reading what the real one answers.
        Path transcripts = Path.of("target", "fidelity-transcripts");
        Files.createDirectories(transcripts);
        Files.writeString(transcripts.resolve(dialog.name().replaceAll("[^A-Za-z0-9]+", "-") + ".txt"),
                String.join("\n", real) + "\n");
        List<String> ours = run(dialog, harness.instance("fidelity").port(dialog.service()));
        if (DELIBERATE_DIFFERENCES.stream().anyMatch(e -> e.getKey().equals(dialog.name()))) {
            return;
        }
        assertThat(String.join("\n", ours)).as("harness (actual) vs Postfix %s (expected) for \"%s\"",
                postfix.version(), dialog.name()).isEqualTo(String.join("\n", real));
    }

    private static List<String> run(Dialog dialog, int port) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
            Script s = new Script(d);
            s.record("(connect)", d.greeting());
            dialog.script().accept(s);
            s.send("QUIT");
            return s.transcript;
        }
    }
}
