package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
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
 * challenges other than LOGIN's fixed prompts, queue ids). Differences that are deliberate are listed
 * once, in the README's "Fidelity" section ({@link DeliberateDifferences}); {@link SmtpdDifferentialFuzzTest}
 * sends generated dialogs to the same pair of servers.
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
        SERVICES.put("small", "-o message_size_limit=1000");
        SERVICES.put("nochunking", "-o smtpd_discard_ehlo_keywords=chunking");
        SERVICES.put("strict", "-o strict_rfc821_envelopes=yes");
    }

    private static final String USER = "alice@example.com";
    private static final String PASSWORD = "secret";

    @TempDir
    static Path temp;
    private static PostfixTwin twin;
    private static RealDovecot dovecot;

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
        twin = PostfixTwin.start(temp, MAIN_CF, SERVICES, Map.of(USER, PASSWORD, "bob@example.com", "bobpw"),
                MECH_LIST);
    }

    @AfterAll
    static void stop() {
        try {
            if (twin != null) {
                twin.close();
            }
        } finally {
            if (dovecot != null) {
                dovecot.close();
            }
        }
    }

    /** One scripted dialog: the service it talks to and the script. */
    record Dialog(String name, String service, Consumer<DialogScript> script) {
        @Override
        public String toString() {
            return name;
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
                    s.sasl("CRAM-MD5", false, USER, PASSWORD);
                }),
                new Dialog("AUTH CRAM-MD5 wrong password", "main", s -> {
                    s.send("EHLO c");
                    s.sasl("CRAM-MD5", false, USER, "wrong");
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
                    s.sasl("CRAM-MD5", false, USER, PASSWORD);
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
                // Found by SmtpdDifferentialFuzzTest (minimised sessions), fixed in smtpd:
                new Dialog("XCLIENT and XFORWARD refused, ETRN forms, VRFY meets the relay restrictions, DATA x",
                        "outside", s -> {
                            s.send("XCLIENT NAME=x");
                            s.send("XFORWARD NAME=x");
                            s.send("XCLIENT");
                            s.send("ETRN @example.com");
                            s.send("ETRN #example.com");
                            s.send("ETRN -bad-");
                            s.send("ETRN a b");
                            s.send("VRFY nosuch@remote.example.org");
                            s.send("DATA x");
                            s.send("EHLO c");
                            s.send("MAIL FROM:<a@example.com>");
                            s.send("XCLIENT NAME=x");
                            s.send("ETRN example.com");
                        }),
                new Dialog("MAIL and RCPT parameters in smtpd.c's order, repeated, malformed; domains; UTF-8", "main",
                        s -> {
                            s.send("EHLO c");
                            s.send("MAIL FROM:<a@example.com> SIZE=99999999 BODY=BINARYMIME");
                            s.send("MAIL FROM:<a@example.com> RET=FULL RET=HDRS");
                            s.send("MAIL FROM:<a@example.com> ENVID=abc ENVID=abc");
                            s.send("MAIL FROM:<a@example.com> ENVID=a+2");
                            s.send("MAIL FROM:<a@example.com> AUTH=<> AUTH=<>");
                            s.send("RSET");
                            s.send("MAIL FROM:<a@example.com> AUTH= FOO");
                            s.send("MAIL FROM:<a@example.com> AUTH=<a@example.com>");
                            s.send("RSET");
                            s.send("MAIL FROM:<user@" + "d".repeat(70) + ".example>");
                            s.send("MAIL FROM:<user@127.0.0.1>");
                            s.send("MAIL FROM:<\u00c3\u00bcser@example.com>");   // UTF-8 bytes, no SMTPUTF8
                            s.send("RCPT TO:<alice@example.com> NOTIFY=SUCCESS NOTIFY=SUCCESS");
                            s.send("RCPT TO:<alice@example.com> ORCPT=foo");
                            s.send("RCPT TO:<alice@example.com> ORCPT=rfc822;a+zz");
                            s.send("RCPT TO:<alice@example.com> ORCPT=rfc822;a+2Bb@example.com");
                            s.send("RCPT TO:<user@\u00c3\u00bc.example>");
                            s.send("EHLO \u00fcnicode.example");   // not UTF-8
                        }),
                new Dialog("Cyrus canon_user: empty and white-space user names (SASL_FAIL, 454)", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH LOGIN");
                    s.send("");             // empty user name
                    s.send("DATA");         // taken as the base64 password
                    s.send("AUTH PLAIN " + plain("", "secret"));
                    s.send("AUTH LOGIN " + SmtpDialog.b64(" a"));   // Cyrus' quirk: as much leading space as name
                    s.send(SmtpDialog.b64("x"));
                    s.send("AUTH LOGIN " + SmtpDialog.b64("   "));
                    s.send(SmtpDialog.b64("x"));
                    s.send("AUTH LOGIN " + SmtpDialog.b64("\0" + USER + "\0wrong"));   // NUL first: C string ""
                    s.send("AUTH");
                    s.send("AUTH LOGIN");
                    s.send("");
                    s.send(" ");            // not trimmed: sasl_decode64() says "another step is needed"
                    s.send("AUTH DIGEST-MD5 " + SmtpDialog.b64("no nulls"));   // ignored by Cyrus' step 1
                    s.send("*");
                    s.send("AUTH PLAIN " + plain(" " + USER + "\t", PASSWORD));
                }),
                new Dialog("own address literals are local (resolve_local(), inet_interfaces)", "outside", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<user@[127.0.0.1]>");
                    s.send("RCPT TO:<root@[127.0.0.1]>");
                    s.send("RCPT TO:<user@[127.0.0.2]>");
                    s.send("RCPT TO:<user@[IPv6:::1]>");
                    s.send("RCPT TO:<user%remote.example.org@[127.0.0.1]>");
                }),
                new Dialog("Cyrus reasons: DIGEST-MD5 empty response, unoffered mechanism with bad base64", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH DIGEST-MD5");
                    s.send("");
                    s.send("AUTH GSSAPI =");
                    s.send("AUTH GSSAPI !");
                    s.send("AUTH GSSAPI dGVzdA==");
                    s.send("AUTH DIGEST-MD5");
                    s.send("NOOP");         // decodes to no directives: "Parse error", SASL_BADAUTH
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("username=\"alice\""));   // required parameters missing
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("username=\"bob"));   // unterminated quote
                }),
                // extract_addr(): smtpd_token() and tok822_parse() read envelope addresses.
                new Dialog("envelope addresses tok822_parse() accepts", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<@example.com>");
                    s.send("RSET");
                    s.send("MAIL FROM:< alice@example.com >");
                    s.send("RCPT TO:<<a@example.com>>");
                    s.send("RCPT TO:<@a.example,@b.example:user@example.com>");
                    s.send("RCPT TO:<\"quoted user\"@example.com>");
                    s.send("RCPT TO:<\"q\\\"x\"@example.com>");
                    s.send("RCPT TO:<alice(comment)@example.com>");
                    s.send("RCPT TO:<alice@example.com (Alice)>");
                    s.send("RCPT TO:<Alice <alice@example.com>>");
                    s.send("RCPT TO:<alice @ example . com>");
                    s.send("RCPT TO:<a@b@example.com>");
                    s.send("RCPT TO:<user@example.com.>");
                    s.send("RCPT TO:<group: a@example.com;>");
                    s.send("RCPT TO:<alice@example.com>(trailing)");
                    s.send("RCPT TO:alice@example.com");
                    s.send("RCPT TO:postmaster");
                    s.send("RCPT TO:<a@[127.0.0.1]>");
                    s.send("RCPT TO:<a@[127.0.0.1>");
                    s.send("RCPT TO:alice@example.com>");
                    s.send("RCPT TO:<a\\@b@example.com>");
                    s.send("RCPT TO: <alice@example.com>");
                    s.send("RCPT TO:  <alice@example.com>  NOTIFY=NEVER");
                    s.send("RCPT TO:<:a@example.com>");
                    s.send("RCPT TO:<a%b@example.com>");
                    s.send("RCPT TO:<.a@example.com>");
                    s.send("RCPT TO:<a!b@example.com>");
                    s.send("RCPT TO:<\"a@b\"@example.com>");
                }),
                new Dialog("envelope addresses extract_addr() refuses", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:Alice <alice@example.com>");
                    s.send("RCPT TO:<a b@example.com>");
                    s.send("RCPT TO:<user@>");
                    s.send("RCPT TO:<user@example.com..>");
                    s.send("RCPT TO:<a,b@example.com>");
                    s.send("RCPT TO:<a;b@example.com>");
                    s.send("RCPT TO:<(only a comment)>");
                    s.send("RCPT TO:<alice@example.com>x");
                    s.send("RCPT TO:<>");
                }),
                new Dialog("envelope addresses smtpd_token() or resolve_addr() refuse", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<\"unterminated@example.com>");
                    s.send("RCPT TO:<alice@example.com");
                    s.send("RCPT TO:<alice@example.com> <b@example.com>");
                    s.send("RCPT TO:\"<a@example.com> x\"");
                    s.send("RCPT TO:<\\>");
                    s.send("RCPT TO:<@>");
                    s.send("RCPT TO:<@:>");
                    s.send("RCPT TO:<@a:>");
                    s.send("RCPT TO:<a@@example.com>");
                }),
                new Dialog("MAIL FROM address forms", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<\"\">");
                    s.send("RSET");
                    s.send("MAIL FROM:<\"\"@example.com>");
                    s.send("RSET");
                    s.send("MAIL FROM:<(c)>");
                    s.send("RSET");
                    s.send("MAIL FROM:<<>>");
                    s.send("RSET");
                    s.send("MAIL FROM:<@b.example:>");
                    s.send("RSET");
                    s.send("MAIL FROM:a@example.com SIZE=10");
                    s.send("RSET");
                    s.send("MAIL FROM:<a@example.com> ENVID=\"a b\"");
                    s.send("RSET");
                    s.send("MAIL FROM:<a@example.com> SIZE=\"1 2\"");
                    s.send("MAIL FROM:<a@example.com>SIZE=1");
                    s.send("MAIL FROM:<@>");
                    s.send("MAIL FROM:<a!b>");
                    s.send("RSET");
                    s.send("MAIL FROM:<a!>");
                    s.send("MAIL FROM:<user@>");
                    s.send("MAIL FROM:<a%>");
                }),
                new Dialog("envelope addresses with strict_rfc821_envelopes = yes", "strict", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<@example.com>");
                    s.send("MAIL FROM:< alice@example.com >");
                    s.send("MAIL FROM:alice@example.com");
                    s.send("MAIL FROM: <alice@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("RCPT TO:<@a.example,@b.example:user@example.com>");
                    s.send("RCPT TO:<alice(comment)@example.com>");
                    s.send("RCPT TO:<alice@example.com (Alice)>");
                    s.send("RCPT TO:<<a@example.com>>");
                    s.send("RCPT TO:<\"quoted user\"@example.com>");
                    s.send("RCPT TO:<>");
                    s.send("RCPT TO:<@a:>");
                    s.send("RCPT TO:postmaster");
                    s.send("RCPT TO:<postmaster>");
                }),
                new Dialog("VRFY addresses as extract_addr() reads them", "main", s -> {
                    s.send("VRFY alice@example.com");
                    s.send("VRFY <alice@example.com>");
                    s.send("VRFY  Alice   <alice@example.com>");
                    s.send("VRFY a b");
                    s.send("VRFY <a@example.com> SMTPUTF8");
                    s.send("VRFY SMTPUTF8");
                    s.send("VRFY <<a@example.com>>");
                    s.send("VRFY <a@example.com");
                    s.send("VRFY \"a b\"@example.com");
                    s.send("VRFY <@route.example:user@example.com>");
                    s.send("VRFY user@");
                    s.send("VRFY <>");
                    s.send("VRFY (c)");
                }),
                new Dialog("routing operators in the local part resolve elsewhere: relay denied", "outside", s -> {
                    s.send("VRFY <\"a@b\"@example.com>");
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<a!>");
                    s.send("RCPT TO:<remote.example.org!user@example.com>");
                    s.send("RCPT TO:<\"user@remote.example.org\"@example.com>");
                    s.send("RCPT TO:<user%remote.example.org%example.com@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                }),
                new Dialog("Cyrus DIGEST-MD5 repeated and bad directives, SCRAM empty client nonce", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("realm=\"a\",realm=\"b\",junk"));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("qop=auth,qop=auth"));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("digest-uri=\"smtp/x\",digest-uri=\"smtp/x\""));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("maxbuf=100,maxbuf=100"));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("username=\"a\",username=\"b\""));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("charset=latin1"));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("nc=zz"));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("maxbuf=5"));
                    s.send("AUTH DIGEST-MD5");
                    s.send(SmtpDialog.b64("digest-uri=\"imap/x\""));
                    s.send("AUTH SCRAM-SHA-1 " + SmtpDialog.b64("n,,n=alice@example.com,r="));
                    s.send("*");
                }),
                new Dialog("MAIL SIZE overflow leaves msg_size -1 for the next MAIL", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com> SIZE=99999999999999999999999");
                    s.send("MAIL FROM:<a@example.com>");
                }),
                new Dialog("BDAT without MAIL: the chunk is refused, later ones discarded until BDAT LAST", "main", s -> {
                    s.send("EHLO c");
                    s.bdat("BDAT 5", "abcde");
                    s.bdat("BDAT 3", "abc");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("DATA");
                    s.send("ETRN example.com");
                    s.bdat("BDAT 2 LAST", "ab");
                    s.send("MAIL FROM:<a@example.com>");
                    s.bdat("BDAT 2 last", "ab");
                    s.send("MAIL FROM:<a@example.com>");
                }),
                new Dialog("null BDAT request, BDAT 0 LAST", "main", s -> {
                    s.send("EHLO c");
                    s.send("BDAT 0");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("BDAT 0 LAST");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("BDAT 0");
                    s.send("BDAT 0 LAST");
                    s.send("RSET");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("BDAT 0 LAST");
                    s.send("BDAT 0 LAST");
                }),
                new Dialog("BDAT without valid recipients; LAST resets the transaction, RSET and HELO the error state", "outside", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<x@remote.example.org>");
                    s.bdat("BDAT 3 LAST", "abc");
                    s.send("RCPT TO:<x@remote.example.org>");
                    s.send("MAIL FROM:<a@example.com>");
                    s.bdat("BDAT 3", "abc");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("MAIL FROM:<a@example.com>");
                    s.bdat("BDAT 3", "abc");
                    s.send("RSET");
                    s.send("BDAT 0");
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                }),
                new Dialog("BDAT replies count the chunk, then the stored record bytes", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 12", "Subject: x\r\n");
                    s.bdat("BDAT 5", "\r\n.a\n");
                    s.send("DATA");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("MAIL FROM:<a@example.com>");
                    s.bdat("BDAT 100 LAST", "x".repeat(100));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 3", "ab\r");
                    s.bdat("BDAT 3", "\ncd");
                    s.bdat("BDAT 1 LAST", "\r");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 4", "ab\r\r");
                    s.bdat("BDAT 5000 LAST", "\n" + "y".repeat(4999));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    // A CR as the 2048th byte of a line at the end of a 4096-byte read, then CR LF.
                    s.bdat("BDAT 4098 LAST", "a".repeat(2048) + "b".repeat(2047) + "\r\r\n");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 4097 LAST", "a".repeat(2048) + "b".repeat(2047) + "\r\r");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 2050", "c".repeat(2047) + "\r\rd");
                    s.bdat("BDAT 2 LAST", "\n\n");
                }),
                new Dialog("BDAT and message_size_limit: chunk too big, then message file too big", "small", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 600", "x".repeat(598) + "\r\n");
                    s.bdat("BDAT 500", "y".repeat(500));
                    s.bdat("BDAT 10", "z".repeat(10));
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("MAIL FROM:<a@example.com>");
                    s.bdat("BDAT 5 LAST", "zzzzz");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 1000 LAST", "\n".repeat(1000));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 1000", "\n".repeat(1000));
                    s.bdat("BDAT 1", "a");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RSET");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 1001 LAST", "w".repeat(1001));
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 1000 LAST", "v".repeat(998) + "\r\n");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 999", "v".repeat(999));
                    s.bdat("BDAT 0 LAST", "");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.data("v".repeat(998) + "\r\n.");
                }),
                new Dialog("refused BDAT commands count toward smtpd_hard_error_limit", "limits", s -> {
                    s.send("EHLO c");
                    s.bdat("BDAT 1", "a");
                    s.bdat("BDAT 1", "a");
                    s.send("BDAT 0 LAST");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("BDAT 0 LAST");
                    s.bdat("BDAT 1", "a");
                    s.send("BDAT 0");
                    s.bdat("BDAT 1", "a");
                    s.bdat("BDAT 1", "a");
                    s.send("NOOP");
                }),
                new Dialog("BDAT pipelined with MAIL, RCPT and NOOP", "outside", s -> {
                    s.send("EHLO c");
                    s.pipelinedRaw("MAIL FROM:<a@example.com>\r\nRCPT TO:<x@remote.example.org>\r\nBDAT 5\r\nabcde"
                            + "BDAT 3 LAST\r\nxyzNOOP\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<alice@example.com>\r\n"
                            + "BDAT 4\r\nab\r\nBDAT 2 LAST\r\ncdNOOP\r\n",
                            "MAIL", "RCPT", "BDAT 5", "BDAT 3 LAST", "NOOP", "MAIL", "RCPT", "BDAT 4", "BDAT 2 LAST", "NOOP");
                }),
                new Dialog("BDAT without a count ends the session", "main", s -> {
                    s.send("EHLO c");
                    s.send("BDAT");
                }),
                new Dialog("BDAT with an overflowing count ends the session", "main", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("BDAT 99999999999999999999 LAST");
                }),
                new Dialog("BDAT with a count of 22 digits, then one with four words", "main", s -> {
                    s.send("EHLO c");
                    s.bdat("BDAT 0000000000000000000001", "a");
                    s.send("BDAT 1 LAST x");
                }),
                new Dialog("a refused BDAT LAST ends the transaction but not its recipient count", "small", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.bdat("BDAT 1001 LAST", "w".repeat(1001));
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("DATA");
                    s.send("MAIL FROM:<a@example.com>");
                    s.bdat("BDAT 1 LAST", "a");
                }),
                new Dialog("DATA over message_size_limit", "small", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.data("x".repeat(1200) + "\r\n.");
                }),
                new Dialog("BDAT when CHUNKING is discarded", "nochunking", s -> {
                    s.send("EHLO c");
                    s.send("MAIL FROM:<a@example.com>");
                    s.send("RCPT TO:<alice@example.com>");
                    s.send("BDAT 0 LAST");
                }),
                // smtpd_token() splits the command line at any white space: TAB as well as blank.
                new Dialog("TAB between verb and argument: EHLO, MAIL, RCPT, BDAT", "main", s -> {
                    s.send("EHLO\tc");
                    s.send("MAIL\tFROM:<a@example.com>");
                    s.send("RCPT\tTO:<alice@example.com>");
                    s.bdat("BDAT\t1\tLAST", "a");
                    s.send("HELO\tone\t two");
                    s.send("NOOP\t");
                    s.send("RSET\tx");
                    s.send("ETRN\ta b");
                    s.send("ETRN\t@example.com");
                }),
                new Dialog("TAB between AUTH, mechanism and initial response", "outside", s -> {
                    s.send("EHLO c");
                    s.send("AUTH\tPLAIN\t" + plain(USER, PASSWORD));
                    s.send("MAIL FROM:<alice@example.com>");
                    s.send("RCPT TO:<someone@remote.example.org>");
                    s.send("RSET");
                    s.send("AUTH\tLOGIN");
                }),
                new Dialog("AUTH with TAB-separated words past the initial response", "main", s -> {
                    s.send("EHLO c");
                    s.send("AUTH\tPLAIN\tx\ty");
                    s.send("AUTH\t");
                }),
                new Dialog("leading and repeated white space before and after the verb", "main", s -> {
                    s.send("  EHLO   c");
                    s.send("\tMAIL  \t FROM:<a@example.com>   ");
                    s.send(" RCPT\t\tTO:<alice@example.com>\t");
                    s.send("   DATA \t ");
                    s.send("x\r\n.");
                    s.send(" \t ");
                    s.send("\tQUIT\tnow");
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
        DialogScript real = run(dialog, twin.postfixPort(dialog.service()));
        // Postfix's transcripts, for reading what the real one answers.
        Path transcripts = Path.of("target", "fidelity-transcripts");
        Files.createDirectories(transcripts);
        Files.writeString(transcripts.resolve(dialog.name().replaceAll("[^A-Za-z0-9]+", "-") + ".txt"),
                String.join("\n", real.transcript) + "\n");
        DialogScript ours = run(dialog, twin.harnessPort(dialog.service()));
        if (DeliberateDifferences.fromReadme().firstDifference(real.exchanges, ours.exchanges).isEmpty()) {
            return;
        }
        assertThat(String.join("\n", ours.transcript)).as("harness (actual) vs Postfix %s (expected) for \"%s\"",
                twin.postfixVersion(), dialog.name()).isEqualTo(String.join("\n", real.transcript));
    }

    private static DialogScript run(Dialog dialog, int port) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
            DialogScript s = new DialogScript(d);
            s.record("(connect)", d.greeting());
            dialog.script().accept(s);
            s.send("QUIT");
            return s;
        }
    }
}
