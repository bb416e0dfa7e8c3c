package dev.mailrelay.smtpd;

import dev.mailrelay.xsasl.SecurityOptions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.xsasl.ClientCredentials;
import dev.mailrelay.xsasl.SaslClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the dialogs recorded against a real Postfix 3.7.11 + Cyrus SASL 2.1.28 (see
 * postfix-reference.md; section names in the comments) and asserts every reply line. The services
 * mirror the reference's master.cf ports. The reference's banner is Debian's, so it is set here.
 */
@Timeout(60)
class SmtpdDialogTest {

    static final String GREETING = "220 mail.example.com ESMTP Postfix (Debian/GNU)";
    static final String MECHS = "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256";
    static final String ALICE = "AGFsaWNlAHNlY3JldA==";   // \0alice\0secret
    static final String AUTH_FAILED = "535 5.7.8 Error: authentication failed: authentication failure";
    static final String BAD_PROTOCOL = "535 5.7.8 Error: authentication failed: bad protocol / cancel";
    static final String ANOTHER_STEP =
            "535 5.7.8 Error: authentication failed: another step is needed in authentication";
    static final String NO_MECH = "535 5.7.8 Error: authentication failed: no mechanism available";
    static final String AUTH_OK = "235 2.7.0 Authentication successful";
    static final String AUTH_SYNTAX = "501 5.5.4 Syntax: AUTH mechanism";
    static final String ALREADY = "503 5.5.1 Error: already authenticated";
    static final String USERNAME = "334 VXNlcm5hbWU6";
    static final String PASSWORD = "334 UGFzc3dvcmQ6";

    @TempDir
    static Path dir;
    static Harness harness;
    static Instance ref;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), """
                pwcheck_method: auxprop
                mech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256 ANONYMOUS
                """);
        harness = Harness.start(List.of(InstanceConfig.named("ref").directory(dir).mainCf("""
                myhostname = mail.example.com
                mydomain = example.com
                myorigin = $mydomain
                mydestination = $myhostname, $mydomain, localhost.$mydomain, localhost
                mynetworks = 127.0.0.0/8
                smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_authenticated_header = yes
                broken_sasl_auth_clients = yes
                smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
                message_size_limit = 10240000
                smtpd_error_sleep_time = 0
                local_recipient_maps = inline:{ alice=x, bob=x }
                mailrelay_sasl_users = inline:{ alice=secret, alice@example.com=secret, bob@example.com=bobpw }
                """).masterCf("""
                10025 inet n - n - - smtpd
                10026 inet n - n - - smtpd
                  -o mynetworks=10.0.0.0/8
                10027 inet n - n - - smtpd
                  -o smtpd_sasl_auth_enable=no
                10029 inet n - n - - smtpd
                  -o broken_sasl_auth_clients=no
                10031 inet n - n - - smtpd
                  -o mynetworks=10.0.0.0/8
                  -o smtpd_sender_login_maps=inline:{alice@example.com=alice@example.com,bob@example.com=bob@example.com}
                  -o smtpd_sender_restrictions=reject_sender_login_mismatch
                10032 inet n - n - - smtpd
                  -o mynetworks=10.0.0.0/8
                  -o smtpd_relay_restrictions=
                10040 inet n - n - - smtpd
                  -o smtpd_sasl_authenticated_header=no
                  -o message_size_limit=1000
                10041 inet n - n - - smtpd
                  -o mynetworks=127.0.0.1/32
                10042 inet n - n - - smtpd
                  -o recipient_delimiter=+
                  -o smtpd_recipient_restrictions=check_recipient_access,inline:{blocked@example.com=REJECT,sub.example.org=REJECT},permit_mynetworks,reject_unauth_destination
                """)), true);
        ref = harness.instance("ref");
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @BeforeEach
    void resetCapture() {
        ref.capture().reset();
    }

    static SmtpDialog open(String service) throws IOException {
        SmtpDialog d = SmtpDialog.open(ref.port(service));
        assertThat(d.greeting).containsExactly(GREETING);
        return d;
    }

    /** The EHLO reply of the reference, CHUNKING last. */
    static List<String> ehlo(boolean auth, boolean authEquals) {
        List<String> l = new ArrayList<>(List.of("250-mail.example.com", "250-PIPELINING", "250-SIZE 10240000",
                "250-VRFY", "250-ETRN"));
        if (auth) {
            l.add("250-AUTH " + MECHS);
            if (authEquals) {
                l.add("250-AUTH=" + MECHS);
            }
        }
        l.addAll(List.of("250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"));
        return l;
    }

    static SmtpDialog ehloed(String service) throws IOException {
        SmtpDialog d = open(service);
        assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(true, true));
        return d;
    }

    static void quit(SmtpDialog d) throws IOException {
        assertThat(d.send("QUIT")).containsExactly("221 2.0.0 Bye");
        assertThat(d.reply()).containsExactly("[closed]");
        d.close();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    // ---- A. greeting, EHLO, HELO ------------------------------------------------------------

    @Test
    void a1_ehloKeywordsWithBrokenSaslAuthClients() throws IOException {
        quit(ehloed("10025"));
    }

    @Test
    void a2_a3_a4_ehloVariants() throws IOException {
        SmtpDialog d = open("10029");
        assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(true, false));
        quit(d);
        d = open("10027");
        assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, false));
        quit(d);
        quit(ehloed("10026"));
    }

    @Test
    void a5_a6_a7_heloAndEhloArguments() throws IOException {
        SmtpDialog d = open("10025");
        assertThat(d.send("EHLO")).containsExactly("501 Syntax: EHLO hostname");
        assertThat(d.send("HELO")).containsExactly("501 Syntax: HELO hostname");
        assertThat(d.send("EHLO ")).containsExactly("501 Syntax: EHLO hostname");
        assertThat(d.send("ehlo client.example.net")).containsExactlyElementsOf(ehlo(true, true));
        assertThat(d.send("EHLO second.example.net")).containsExactlyElementsOf(ehlo(true, true));
        assertThat(d.send("HELO third.example.net")).containsExactly("250 mail.example.com");
        assertThat(d.send("EHLO [127.0.0.1]")).containsExactlyElementsOf(ehlo(true, true));
        assertThat(d.send("EHLO a b c")).containsExactlyElementsOf(ehlo(true, true));
        assertThat(d.send("EHLO bad_name!")).containsExactlyElementsOf(ehlo(true, true));
        quit(d);
    }

    // ---- B. AUTH PLAIN ----------------------------------------------------------------------

    @Test
    void b1_to_b6_plainSuccessAndFailure() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH PLAIN AGNhcm9sAHZtcHc=")).containsExactly(AUTH_FAILED);        // B3 carol
        assertThat(d.send("AUTH PLAIN AGJvYgBib2Jwdw==")).containsExactly(AUTH_FAILED);        // B3 bare bob
        assertThat(d.send("AUTH PLAIN AGFsaWNlAHdyb25n")).containsExactly(AUTH_FAILED);        // B4 wrong
        assertThat(d.send("AUTH PLAIN AG5vc3VjaHVzZXIAd2hhdGV2ZXI=")).containsExactly(AUTH_FAILED);  // B5
        assertThat(d.send("AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==")).containsExactly(AUTH_FAILED);  // B6 bob
        assertThat(d.send("AUTH PLAIN YWxpY2VAbWFpbC5leGFtcGxlLmNvbQBhbGljZQBzZWNyZXQ="))       // B6c
                .containsExactly(AUTH_FAILED);
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);                    // B1
        quit(d);
        for (String ok : List.of("AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==", "AGJvYkBleGFtcGxlLmNvbQBib2Jwdw==",
                "YWxpY2UAYWxpY2UAc2VjcmV0")) {                                                  // B2, B3b, B6b
            d = ehloed("10025");
            assertThat(d.send("AUTH PLAIN " + ok)).containsExactly(AUTH_OK);
            quit(d);
        }
    }

    @Test
    void b7_plainOddInitialResponses() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH PLAIN !!!!")).containsExactly(BAD_PROTOCOL);
        assertThat(d.send("AUTH PLAIN =")).containsExactly(ANOTHER_STEP);
        assertThat(d.send("AUTH PLAIN abc")).containsExactly(ANOTHER_STEP);
        assertThat(d.send("AUTH PLAIN YWxpY2UAc2VjcmV0")).containsExactly(BAD_PROTOCOL);
        assertThat(d.send("AUTH PLAIN anVzdC1nYXJiYWdl")).containsExactly(BAD_PROTOCOL);
        quit(d);
    }

    @Test
    void b8_to_b12_plainContinuations() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");                           // B8
        assertThat(d.send("*")).containsExactly("501 5.7.0 Authentication aborted");
        assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");                           // B9
        assertThat(d.send("!!!!")).containsExactly(BAD_PROTOCOL);
        assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");                           // B11
        assertThat(d.send("")).containsExactly(BAD_PROTOCOL);
        assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");
        assertThat(d.send("=")).containsExactly(ANOTHER_STEP);
        assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");                           // B10
        assertThat(d.send(ALICE)).containsExactly(AUTH_OK);
        quit(d);
        d = ehloed("10025");
        assertThat(d.send("auth plain " + ALICE)).containsExactly(AUTH_OK);                // B12
        quit(d);
    }

    // ---- C. LOGIN, CRAM-MD5, DIGEST-MD5, SCRAM, ANONYMOUS -------------------------------------

    @Test
    void c1_to_c4_login() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH LOGIN")).containsExactly(USERNAME);                          // C3
        assertThat(d.send("YWxpY2U=")).containsExactly(PASSWORD);
        assertThat(d.send("d3Jvbmc=")).containsExactly(AUTH_FAILED);
        assertThat(d.send("AUTH LOGIN bm9zdWNodXNlcg==")).containsExactly(PASSWORD);
        assertThat(d.send("eA==")).containsExactly(AUTH_FAILED);
        assertThat(d.send("AUTH LOGIN")).containsExactly(USERNAME);                          // C4
        assertThat(d.send("YWxpY2U=")).containsExactly(PASSWORD);
        assertThat(d.send("*")).containsExactly("501 5.7.0 Authentication aborted");
        assertThat(d.send("AUTH LOGIN =")).containsExactly(ANOTHER_STEP);
        assertThat(d.send("AUTH LOGIN")).containsExactly(USERNAME);
        assertThat(d.send("!!!")).containsExactly(ANOTHER_STEP);
        assertThat(d.send("AUTH LOGIN")).containsExactly(USERNAME);
        assertThat(d.send("")).containsExactly(PASSWORD);
        assertThat(d.send("AUTH LOGIN YWxpY2U=")).containsExactly(BAD_PROTOCOL);
        assertThat(d.send("")).containsExactly("500 5.5.2 Error: bad syntax");
        assertThat(d.send("AUTH LOGIN")).containsExactly(USERNAME);                          // C1
        assertThat(d.send("YWxpY2U=")).containsExactly(PASSWORD);
        assertThat(d.send("c2VjcmV0")).containsExactly(AUTH_OK);
        quit(d);
        d = ehloed("10025");
        assertThat(d.send("AUTH LOGIN YWxpY2U=")).containsExactly(PASSWORD);                 // C2
        assertThat(d.send("c2VjcmV0")).containsExactly(AUTH_OK);
        quit(d);
    }

    @Test
    void c4b_nonSmtpCommand() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("*")).containsExactly("221 2.7.0 Error: I can break rules, too. Goodbye.");
        assertThat(d.reply()).containsExactly("[closed]");
        d.close();
    }

    /** Runs a challenge-response mechanism with mailrelay's own SASL client; returns the last reply. */
    static List<String> challengeResponse(SmtpDialog d, String mechanism, String user, String password,
                                          boolean initialResponse) throws Exception {
        SaslClient client = new SaslClient(ClientCredentials.password(user, password.toCharArray()),
                SecurityOptions.parse("noanonymous"),
                "smtp", "mail.example.com");
        SaslClient.Start start = client.first(mechanism);
        List<String> reply;
        if (start.initialResponse() != null && initialResponse) {
            reply = d.send("AUTH " + mechanism + " " + start.initialResponse());
        } else {
            reply = d.send("AUTH " + mechanism);
            if (start.initialResponse() != null) {
                assertThat(reply).containsExactly("334 ");
                reply = d.send(start.initialResponse());
            }
        }
        while (reply.size() == 1 && reply.get(0).startsWith("334 ")) {
            assertThat(reply.get(0)).matches("334 [A-Za-z0-9+/=]+");
            reply = d.send(client.next(reply.get(0).substring(4)));
        }
        return reply;
    }

    @Test
    void c5_to_c10_challengeResponseMechanisms() throws Exception {
        for (String mech : List.of("CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256")) {
            SmtpDialog d = ehloed("10025");
            assertThat(challengeResponse(d, mech, "alice", "wrong", true)).as(mech).containsExactly(AUTH_FAILED);
            if (mech.equals("CRAM-MD5")) {
                assertThat(challengeResponse(d, mech, "nosuchuser", "x", true)).containsExactly(AUTH_FAILED);
            }
            assertThat(challengeResponse(d, mech, "alice", "secret", true)).as(mech).containsExactly(AUTH_OK);
            quit(d);
        }
        SmtpDialog d = ehloed("10025");                                                    // C10
        assertThat(challengeResponse(d, "SCRAM-SHA-256", "alice", "secret", false)).containsExactly(AUTH_OK);
        quit(d);
        d = ehloed("10025");                                                               // C6
        assertThat(d.send("AUTH CRAM-MD5 YWxpY2UgMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
                .containsExactly(BAD_PROTOCOL);
        quit(d);
    }

    @Test
    void c5_cramMd5ChallengeFormat() throws IOException {
        SmtpDialog d = ehloed("10025");
        List<String> r = d.send("AUTH CRAM-MD5");
        assertThat(r).hasSize(1);
        assertThat(new String(Base64.getDecoder().decode(r.get(0).substring(4)), StandardCharsets.US_ASCII))
                .matches("<\\d+\\.\\d+@mail\\.example\\.com>");
        assertThat(d.send("*")).containsExactly("501 5.7.0 Authentication aborted");
        quit(d);
    }

    @Test
    void c11_anonymousAndUnknownMechanisms() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH ANONYMOUS dHJhY2VAZXhhbXBsZS5uZXQ=")).containsExactly(NO_MECH);
        assertThat(d.send("AUTH ANONYMOUS")).containsExactly(NO_MECH);
        assertThat(d.send("AUTH NTLM")).containsExactly(NO_MECH);
        quit(d);
    }

    // ---- D. AUTH command edge cases ---------------------------------------------------------

    @Test
    void d1_d2_syntaxAndAlreadyAuthenticated() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH FOO")).containsExactly(NO_MECH);
        assertThat(d.send("AUTH")).containsExactly(AUTH_SYNTAX);
        assertThat(d.send("AUTH ")).containsExactly(AUTH_SYNTAX);
        assertThat(d.send("AUTH PLAIN " + ALICE + " extra")).containsExactly(AUTH_SYNTAX);
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(ALREADY);
        assertThat(d.send("AUTH LOGIN")).containsExactly(ALREADY);
        quit(d);
    }

    @Test
    void d3_authInTransaction() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("503 5.5.1 Error: MAIL transaction in progress");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        quit(d);
    }

    @Test
    void d4_authBeforeAndAfterHelo() throws IOException {
        SmtpDialog d = open("10025");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        assertThat(d.send("AUTH LOGIN")).containsExactly(ALREADY);
        assertThat(d.send("HELO client.example.net")).containsExactly("250 mail.example.com");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(ALREADY);
        quit(d);
        d = open("10025");
        assertThat(d.send("HELO client.example.net")).containsExactly("250 mail.example.com");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        quit(d);
    }

    @Test
    void d5_authDisabled() throws IOException {
        SmtpDialog d = open("10027");
        assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(false, false));
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly("503 5.5.1 Error: authentication not enabled");
        assertThat(d.send("AUTH")).containsExactly("503 5.5.1 Error: authentication not enabled");
        assertThat(d.send("MAIL FROM:<a@example.com> AUTH=<>")).containsExactly("250 2.1.0 Ok");
        quit(d);
    }

    /** PLAIN with a wrong password padded so that the base64 response is exactly {@code length} long. */
    static String longPlain(int length) {
        int raw = length / 4 * 3 - 7;
        String resp = b64("\0alice\0" + "y".repeat(raw));
        assertThat(resp).hasSize(length);
        return resp;
    }

    @Test
    void d6_d7_responseLimits() throws IOException {
        SmtpDialog d = ehloed("10025");
        String limit = "500 5.5.6 SASL response limit exceeded";
        assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");
        assertThat(d.send(longPlain(3000))).containsExactly(AUTH_FAILED);
        for (int len : new int[] {12288, 12292, 20000}) {
            assertThat(d.send("AUTH PLAIN")).containsExactly("334 ");
            assertThat(d.send(longPlain(len))).as("length %d", len).containsExactly(limit);
        }
        // D7: an initial response cut at line_length_limit is an incomplete base64 quantum
        assertThat(d.send("AUTH PLAIN " + longPlain(4012))).containsExactly(ANOTHER_STEP);
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        quit(d);
    }

    @Test
    void d8_mailAuthParameter() throws IOException {
        SmtpDialog d = ehloed("10025");
        for (String p : List.of("AUTH=<>", "AUTH=x@y", "AUTH=")) {
            assertThat(d.send("MAIL FROM:<a@example.com> " + p)).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        }
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        for (String p : List.of("AUTH=<>", "AUTH=x@y")) {
            assertThat(d.send("MAIL FROM:<a@example.com> " + p)).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        }
        assertThat(d.send("MAIL FROM:<a@example.com> AUTH=bad+2Gxyz")).containsExactly("250 2.1.0 Ok");
        quit(d);
    }

    // ---- E. commands outside AUTH (probed on the reference's port 10025) ------------------------

    @Test
    void e1_commandsAndSequenceErrors() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("HELP")).containsExactly("500 5.5.2 Error: command not recognized");
        assertThat(d.send("NOOP")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("NOOP x")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("RSET x")).containsExactly("501 5.5.4 Syntax: RSET");
        assertThat(d.send("VRFY")).containsExactly("501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
        assertThat(d.send("VRFY alice")).containsExactly("252 2.0.0 alice");
        assertThat(d.send("VRFY nosuch")).containsExactly(
                "550 5.1.1 <nosuch>: Recipient address rejected: User unknown in local recipient table");
        assertThat(d.send("VRFY <alice@example.com>")).containsExactly("252 2.0.0 <alice@example.com>");
        assertThat(d.send("ETRN")).containsExactly("500 Syntax: ETRN domain");
        assertThat(d.send("ETRN example.com")).containsExactly("459 <example.com>: service unavailable");
        assertThat(d.send("FOO")).containsExactly("500 5.5.2 Error: command not recognized");
        assertThat(d.send("")).containsExactly("500 5.5.2 Error: bad syntax");
        assertThat(d.send("DATA")).containsExactly("503 5.5.1 Error: need RCPT command");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("503 5.5.1 Error: need MAIL command");
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("MAIL FROM:<b@example.com>")).containsExactly("503 5.5.1 Error: nested MAIL command");
        assertThat(d.send("DATA")).containsExactly("554 5.5.1 Error: no valid recipients");
        assertThat(d.send("ETRN example.com")).containsExactly("503 Error: MAIL transaction in progress");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("RCPT TO:alice@example.com")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("RCPT TO:<>")).containsExactly("501 5.1.3 Bad recipient address syntax");
        assertThat(d.send("RCPT TO:<nosuch@example.com>")).containsExactly("550 5.1.1 <nosuch@example.com>: "
                + "Recipient address rejected: User unknown in local recipient table");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com> FOO=bar")).containsExactly(
                "555 5.5.4 Unsupported option: FOO=bar");
        assertThat(d.send("DATA x")).containsExactly("501 5.5.4 Syntax: DATA");
        quit(d);
    }

    @Test
    void e2_mailAndRcptParameters() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("MAIL FROM:a@example.com")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("MAIL FROM:<a@example.com")).containsExactly("501 5.1.7 Bad sender address syntax");
        for (String bad : List.of("MAIL FROM:", "MAIL", "MAIL TO:<a@example.com>")) {
            assertThat(d.send(bad)).as(bad).containsExactly("501 5.5.4 Syntax: MAIL FROM:<address>");
        }
        assertThat(d.send("MAIL FROM:<> SIZE=99999999")).containsExactly("552 5.3.4 Message size exceeds fixed limit");
        assertThat(d.send("MAIL FROM:<> SIZE=abc")).containsExactly("501 5.5.4 Bad message size syntax");
        assertThat(d.send("MAIL FROM:<> SIZE=99999999999999999999"))
                .containsExactly("552 5.3.4 Message size exceeds file system imposed limit");
        assertThat(d.send("MAIL FROM:<> SIZE=+5")).containsExactly("501 5.5.4 Bad message size syntax");
        assertThat(d.send("MAIL FROM:<> BODY=FOO")).containsExactly("555 5.5.4 Unsupported option: BODY=FOO");
        assertThat(d.send("MAIL FROM:<> FOO=bar")).containsExactly("555 5.5.4 Unsupported option: FOO=bar");
        assertThat(d.send("MAIL FROM:<> RET=X")).containsExactly("501 5.5.4 Bad RET parameter syntax");
        assertThat(d.send("MAIL FROM:<> ENVID=")).containsExactly("501 5.5.4 Bad ENVID parameter syntax");
        assertThat(d.send("MAIL FROM:<bad address@x>")).containsExactly("501 5.1.7 Bad sender address syntax");
        assertThat(d.send("MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=abc"))
                .containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com> NOTIFY=FOO"))
                .containsExactly("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        assertThat(d.send("RCPT TO:<alice@example.com> NOTIFY=SUCCESS ORCPT=rfc822;alice@example.com"))
                .containsExactly("250 2.1.5 Ok");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("MAIL FROM:<>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:")).containsExactly("501 5.5.4 Syntax: RCPT TO:<address>");
        assertThat(d.send("RCPT")).containsExactly("501 5.5.4 Syntax: RCPT TO:<address>");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        assertThat(d.send("MAIL FROM:<a@example.com> AUTH=<a@example.com> AUTH=<>"))
                .containsExactly("503 5.5.4 Error: multiple AUTH= options");
        quit(d);
    }

    // ---- F. relay denial and sender login mismatch ----------------------------------------------

    @Test
    void f1_relayDenied() throws IOException {
        SmtpDialog d = ehloed("10026");     // default smtpd_relay_restrictions: defer_unauth_destination
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly("454 4.7.1 <x@other.org>: Relay access denied");
        for (String local : List.of("alice@example.com", "alice@mail.example.com", "alice@localhost", "alice")) {
            assertThat(d.send("RCPT TO:<" + local + ">")).as(local).containsExactly("250 2.1.5 Ok");
        }
        quit(d);
        d = ehloed("10026");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly("250 2.1.5 Ok");
        quit(d);
        d = ehloed("10032");                // smtpd_relay_restrictions empty: reject_unauth_destination
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly("554 5.7.1 <x@other.org>: Relay access denied");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        quit(d);
    }

    @Test
    void f1c_accessLookupsStripTheExtensionAndMatchParentDomains() throws IOException {
        SmtpDialog d = ehloed("10042");
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<blocked+x@example.com>")).containsExactly(
                "554 5.7.1 <blocked+x@example.com>: Recipient address rejected: Access denied");
        assertThat(d.send("RCPT TO:<x@a.sub.example.org>")).containsExactly(
                "554 5.7.1 <x@a.sub.example.org>: Recipient address rejected: Access denied");
        quit(d);
    }

    @Test
    void f1b_percentHackIsRelayingNotLocalDelivery() throws IOException {
        // allow_percent_hack: victim%outside.example.org@mail.example.com resolves to outside.example.org.
        SmtpDialog d = ehloed("10026");
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<victim%outside.example.org@mail.example.com>")).containsExactly(
                "454 4.7.1 <victim%outside.example.org@mail.example.com>: Relay access denied");
        quit(d);
        d = ehloed("10032");
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<victim%outside.example.org@mail.example.com>")).containsExactly(
                "554 5.7.1 <victim%outside.example.org@mail.example.com>: Relay access denied");
        quit(d);
    }

    @Test
    void f2_relayDeniedForClientOutsideMynetworksOverLoopback() throws IOException {
        SmtpDialog d = SmtpDialog.openFrom(ref.port("10041"), "127.0.0.2");
        assertThat(d.greeting).containsExactly(GREETING);
        assertThat(d.send("EHLO client.example.net")).containsExactlyElementsOf(ehlo(true, true));
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly("454 4.7.1 <x@other.org>: Relay access denied");
        quit(d);
    }

    @Test
    void f3_senderLoginMismatch() throws IOException {
        String notLoggedIn = "553 5.7.1 <alice@example.com>: Sender address rejected: not logged in";
        SmtpDialog d = ehloed("10031");
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly(notLoggedIn);
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly(notLoggedIn);
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        for (String sender : List.of("bob@example.com", "alice@example.com", "other@example.com")) {
            assertThat(d.send("MAIL FROM:<" + sender + ">")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly(
                    "553 5.7.1 <" + sender + ">: Sender address rejected: not owned by user alice");
            assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        }
        quit(d);
        d = ehloed("10031");
        assertThat(d.send("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==")).containsExactly(AUTH_OK);
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("MAIL FROM:<bob@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<x@other.org>")).containsExactly(
                "553 5.7.1 <bob@example.com>: Sender address rejected: not owned by user alice@example.com");
        quit(d);
    }

    // ---- G. limits --------------------------------------------------------------------------

    @Test
    void g1_hardErrorLimit() throws IOException {
        SmtpDialog d = ehloed("10025");
        for (int i = 1; i <= 20; i++) {
            assertThat(d.send("FOO")).as("error %d", i).containsExactly("500 5.5.2 Error: command not recognized");
        }
        // after the 20th error (smtpd_hard_error_limit) Postfix says 421 before reading another command
        assertThat(d.reply()).containsExactly("421 4.7.0 mail.example.com Error: too many errors");
        assertThat(d.reply()).containsExactly("[closed]");
        d.close();
    }

    @Test
    void g2_messageSizeLimit() throws IOException {
        SmtpDialog d = open("10040");
        List<String> ehlo = d.send("EHLO client.example.net");
        assertThat(ehlo).contains("250-SIZE 1000");
        assertThat(d.send("MAIL FROM:<a@example.com> SIZE=1001"))
                .containsExactly("552 5.3.4 Message size exceeds fixed limit");
        assertThat(d.send("MAIL FROM:<a@example.com> SIZE=1000")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("DATA")).containsExactly("354 End data with <CR><LF>.<CR><LF>");
        d.write("Subject: big\r\n\r\n" + ("x".repeat(98) + "\r\n").repeat(20));
        assertThat(d.send(".")).containsExactly("552 5.3.4 Error: message file too big");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("503 5.5.1 Error: need MAIL command");
        quit(d);
    }

    // ---- H. DATA and the Received header ------------------------------------------------------

    static final String DATE = "[A-Z][a-z]{2},  ?\\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4} \\(.+\\)";

    /** Sends one message and returns the Received header lines mailrelay captured for it. */
    static List<String> deliver(SmtpDialog d, String... rcpts) throws IOException {
        assertThat(d.send("MAIL FROM:<a@example.com>")).containsExactly("250 2.1.0 Ok");
        for (String r : rcpts) {
            assertThat(d.send("RCPT TO:<" + r + ">")).containsExactly("250 2.1.5 Ok");
        }
        assertThat(d.send("DATA")).containsExactly("354 End data with <CR><LF>.<CR><LF>");
        d.write("Subject: t\r\n\r\nhello\r\n..dot\r\n");
        List<String> queued = d.send(".");
        assertThat(queued).hasSize(1);
        assertThat(queued.get(0)).matches("250 2\\.0\\.0 Ok: queued as [0-9A-F]+");
        String id = queued.get(0).substring("250 2.0.0 Ok: queued as ".length());
        CapturedMessage m = ref.capture().awaitMessage(x -> x.queueId().equals(id), Duration.ofSeconds(10));
        String content = m.contentAsString();
        assertThat(content).endsWith("Subject: t\r\n\r\nhello\r\n.dot\r\n");
        String received = content.substring(0, content.indexOf("Subject: t"));
        assertThat(received).endsWith("\r\n");
        return List.of(received.replace(id, "QUEUEID").split("\r\n"));
    }

    @Test
    void h1_receivedHeader() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        List<String> one = deliver(d, "alice@example.com");
        assertThat(one).hasSize(4);
        assertThat(one.subList(0, 3)).containsExactly("Received: from client.example.net (localhost [127.0.0.1])",
                "\t(Authenticated sender: alice)", "\tby mail.example.com (Postfix) with ESMTPA id QUEUEID");
        assertThat(one.get(3)).matches("\tfor <alice@example\\.com>; " + DATE);
        List<String> two = deliver(d, "alice@example.com", "bob@example.com");
        assertThat(two).hasSize(4);
        assertThat(two.subList(0, 3)).containsExactly("Received: from client.example.net (localhost [127.0.0.1])",
                "\t(Authenticated sender: alice)", "\tby mail.example.com (Postfix) with ESMTPA id QUEUEID;");
        assertThat(two.get(3)).matches("\t" + DATE);
        quit(d);
        d = open("10025");
        assertThat(d.send("HELO client.example.net")).containsExactly("250 mail.example.com");
        List<String> helo = deliver(d, "alice@example.com");
        assertThat(helo.subList(0, 2)).containsExactly("Received: from client.example.net (localhost [127.0.0.1])",
                "\tby mail.example.com (Postfix) with SMTP id QUEUEID");
        quit(d);
        d = open("10040");                  // smtpd_sasl_authenticated_header = no
        d.send("EHLO client.example.net");
        assertThat(d.send("AUTH PLAIN " + ALICE)).containsExactly(AUTH_OK);
        List<String> noHeader = deliver(d, "alice@example.com");
        assertThat(noHeader.subList(0, 2)).containsExactly("Received: from client.example.net (localhost [127.0.0.1])",
                "\tby mail.example.com (Postfix) with ESMTPA id QUEUEID");
        quit(d);
    }

    // ---- I. BDAT (CHUNKING), probed on the reference's port 10025 ----------------------------------

    @Test
    void i1_bdatChunksAreCountedAndQueuedRaw() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        d.write("BDAT 12\r\nSubject: x\r\n");
        assertThat(d.reply()).containsExactly("250 2.0.0 Ok: 12 bytes");
        d.write("BDAT 5\r\n\r\n.a\n");
        assertThat(d.reply()).containsExactly("250 2.0.0 Ok: 5 bytes");      // each chunk its own size
        assertThat(d.send("DATA")).containsExactly("503 5.5.1 Error: DATA after BDAT");
        d.write("BDAT 3 LAST\r\n.\r\n");
        List<String> queued = d.reply();
        assertThat(queued).singleElement().asString().matches("250 2\\.0\\.0 Ok: 21 bytes queued as [0-9A-F]+");   // record bytes: the bare LF line + 1
        String id = queued.get(0).substring(queued.get(0).lastIndexOf(' ') + 1);
        CapturedMessage m = ref.capture().awaitMessage(x -> x.queueId().equals(id), Duration.ofSeconds(10));
        // No dot-unstuffing in BDAT; a bare LF line is stored as a CRLF line like every other.
        assertThat(m.contentAsString()).endsWith("Subject: x\r\n\r\n.a\r\n.\r\n");
        assertThat(m.receivedHeader()).contains("with ESMTP id " + id);
    }

    @Test
    void i2_bdatOutOfOrderAndNullChunks() throws IOException {
        SmtpDialog d = ehloed("10025");
        d.write("BDAT 5\r\nabcde");
        assertThat(d.reply()).containsExactly("503 5.5.1 Error: need RCPT command");
        // The refused chunk puts smtpd in bdat_state's error state: MAIL waits for RSET (or BDAT LAST).
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("503 5.5.1 Error: MAIL after BDAT");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        d.write("BDAT 3\r\nabc");
        assertThat(d.reply()).containsExactly("554 5.5.1 Error: no valid recipients");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("503 5.5.1 Error: RCPT after BDAT");
        assertThat(d.send("RSET")).containsExactly("250 2.0.0 Ok");
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("BDAT 0")).containsExactly("551 5.7.1 Null BDAT request");
        // After a refused chunk the following ones are discarded, up to BDAT LAST, which ends the transaction.
        assertThat(d.send("BDAT 0 LAST")).containsExactly("551 5.0.0 Discarded 0 bytes after earlier error");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("503 5.5.1 Error: need MAIL command");
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        assertThat(d.send("BDAT 0 LAST")).singleElement().asString().startsWith("250 2.0.0 Ok: 0 bytes queued as ");
    }

    @Test
    void i3_bdatSyntaxErrorEndsTheSession() throws IOException {
        SmtpDialog d = ehloed("10025");
        assertThat(d.send("BDAT 3 FOO")).containsExactly("521 5.5.4 Syntax: BDAT count [LAST]");
        assertThat(d.reply()).containsExactly("[closed]");
    }

    @Test
    void i4_bdatChunkOverTheSizeLimit() throws IOException {
        SmtpDialog d = open("10040");                    // message_size_limit = 1000
        assertThat(d.send("EHLO client.example.net")).contains("250-SIZE 1000");
        assertThat(d.send("MAIL FROM:<alice@example.com>")).containsExactly("250 2.1.0 Ok");
        assertThat(d.send("RCPT TO:<alice@example.com>")).containsExactly("250 2.1.5 Ok");
        d.write("BDAT 2000 LAST\r\n" + "x".repeat(2000));
        assertThat(d.reply()).containsExactly("552 5.3.4 Chunk exceeds message size limit");
        assertThat(d.send("NOOP")).containsExactly("250 2.0.0 Ok");
    }
}
