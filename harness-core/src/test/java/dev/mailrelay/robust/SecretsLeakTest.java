package dev.mailrelay.robust;

import dev.mailrelay.xsasl.SecurityOptions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tables.Tables;
import dev.mailrelay.xsasl.ClientCredentials;
import dev.mailrelay.xsasl.SaslClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives every SASL mechanism, server and relay client, successes and failures, then looks for the
 * secrets used (passwords, bearer tokens, their base64 forms and every SASL line a client sent) in
 * everything the harness exposes: the log (slf4j-simple writes it to a file in this test's own
 * surefire fork, at DEBUG), exception messages, toString of the public types, the captured sessions,
 * messages and delivery attempts. None may appear. Runs in its own fork (see harness-core/pom.xml).
 */
@Timeout(120)
class SecretsLeakTest {

    static final String ALICE_PW = "Pw-Sekr1t-Alice";
    static final String WRONG_PW = "Pw-Wr0ng-Guess";
    static final String RELAY_WRONG_PW = "Pw-Wr0ng-Relay";
    static final String TOKEN = "tok-Sekr1t-Bearer";
    static final String WRONG_TOKEN = "tok-Wr0ng-Bearer";
    static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1",
            "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER");
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** Every string a client sent during AUTH (these carry the secrets, encoded). */
    final Set<String> sentSaslLines = new LinkedHashSet<>();
    /** Everything scanned, labelled. */
    final List<String[]> exposed = new ArrayList<>();

    @Test
    void noSecretAppearsAnywhere() throws Exception {
        Path ispDir = Files.createDirectories(dir.resolve("isp"));
        Files.writeString(ispDir.resolve("users"), "alice@isp.example " + ALICE_PW + "\n");
        Files.setPosixFilePermissions(ispDir.resolve("users"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(ispDir.resolve("tokens"), TOKEN + " alice@isp.example\n");
        Files.setPosixFilePermissions(ispDir.resolve("tokens"), PosixFilePermissions.fromString("rw-------"));
        List<InstanceConfig> configs = new ArrayList<>();
        configs.add(InstanceConfig.named("isp").directory(ispDir).mainCf("""
                myhostname = mail.isp.example
                mydestination = $myhostname, isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
                smtpd_error_sleep_time = 0
                default_transport = discard
                mailrelay_sasl_users = texthash:users
                mailrelay_sasl_oauth_tokens = texthash:tokens
                """).masterCf("submission inet n - n - - smtpd"));
        // One relay per client mechanism, and one with a wrong password.
        List<String> relayMechs = List.of("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");
        for (int i = 0; i <= relayMechs.size(); i++) {
            boolean bad = i == relayMechs.size();
            Path rd = Files.createDirectories(dir.resolve("relay" + i));
            Files.writeString(rd.resolve("sasl_passwd"), "[mail.isp.example]:submission alice@isp.example:"
                    + (bad ? RELAY_WRONG_PW : ALICE_PW) + "\n");
            Files.setPosixFilePermissions(rd.resolve("sasl_passwd"), PosixFilePermissions.fromString("rw-------"));
            configs.add(InstanceConfig.named("relay" + i).directory(rd).mainCf("""
                    myhostname = relay%d.box.local
                    relayhost = [mail.isp.example]:submission
                    smtp_sasl_auth_enable = yes
                    smtp_sasl_password_maps = texthash:sasl_passwd
                    smtp_sasl_security_options = noanonymous
                    smtp_sasl_mechanism_filter = %s
                    """.formatted(i, bad ? "plain" : relayMechs.get(i))).masterCf("smtp inet n - n - - smtpd"));
        }
        try (Harness h = Harness.start(configs, true)) {
            Instance isp = h.instance("isp");
            int port = isp.port("submission");
            for (String mech : MECHANISMS) {
                boolean bearer = mech.contains("OAUTH");
                String good = bearer ? TOKEN : ALICE_PW;
                String wrong = bearer ? WRONG_TOKEN : WRONG_PW;
                assertThat(authenticate(port, mech, "alice@isp.example", wrong, bearer)).as(mech).startsWith("535");
                assertThat(authenticate(port, mech, "nobody@isp.example", wrong, bearer)).as(mech).startsWith("535");
                assertThat(authenticate(port, mech, "alice@isp.example", good, bearer)).as(mech)
                        .isEqualTo("235 2.7.0 Authentication successful");
            }
            // Aborted and malformed exchanges, and a client that sends its credentials as the mechanism.
            try (RawClient c = new RawClient(port)) {
                c.send("EHLO leak");
                String plain = b64("\0alice@isp.example\0" + ALICE_PW);
                sentSaslLines.add(plain);
                c.send("AUTH " + plain);
                c.send("AUTH LOGIN");
                c.send(b64("alice@isp.example"));
                c.send("*");
                c.send("AUTH PLAIN " + plain + " extra");
                c.write("AUTH LOGIN\r\n" + b64(ALICE_PW) + "\r\n");
                c.reply();
                c.reply();
            }
            // smtpd splits at any white space: the transcript hides a TAB-separated response too.
            try (RawClient c = new RawClient(port)) {
                c.send("EHLO leak");
                String plain = b64("\0alice@isp.example\0" + ALICE_PW);
                assertThat(c.sendLast("AUTH\tPLAIN\t" + plain)).isEqualTo("235 2.7.0 Authentication successful");
                assertThat(c.sendLast(" AUTH \t PLAIN\t" + plain)).startsWith("503");
            }
            for (int i = 0; i <= relayMechs.size(); i++) {
                Instance relay = h.instance("relay" + i);
                try (RawClient c = new RawClient(relay.port("smtp"))) {
                    c.send("EHLO app");
                    c.send("MAIL FROM:<me@box.local>");
                    c.send("RCPT TO:<friend@elsewhere.example>");
                    c.send("DATA");
                    assertThat(c.sendLast("Subject: via " + i + "\r\n\r\nhello\r\n.")).startsWith("250 ");
                }
                DeliveryAttempt a = relay.capture().awaitDeliveries(1, WAIT).get(0);
                if (i < relayMechs.size()) {
                    assertThat(a.status()).as(a.toString()).isEqualTo(DeliveryAttempt.Status.SENT);
                    assertThat(a.saslMethod()).isEqualTo(relayMechs.get(i));
                } else {
                    assertThat(a.status()).as(a.toString()).isNotEqualTo(DeliveryAttempt.Status.SENT);
                }
                expose(relay);
                relay.awaitIdle(WAIT);
            }
            isp.capture().awaitMessages(relayMechs.size(), WAIT);
            expose(isp);
            expose("harness", h.toString());
            expose("tables", Tables.open("texthash:users", ispDir).toString());
            expose("tables", Tables.open("texthash:sasl_passwd", dir.resolve("relay0")).toString());
            expose("credentials", ClientCredentials.password("alice", ALICE_PW.toCharArray()).toString());
            SaslClient client = new SaslClient(ClientCredentials.password("alice", ALICE_PW.toCharArray()), SecurityOptions.parse(""),
                    "smtp", "mail.isp.example");
            client.first("PLAIN");
            expose("client", client.toString());
        }
        // Bad password tables: the error names file and line, not the secret.
        Path broken = dir.resolve("broken");
        Files.writeString(Files.createDirectories(broken).resolve("users"), "alice@isp.example " + ALICE_PW
                + "\n  " + ALICE_PW + "-continued\n" + "\"unbalanced " + ALICE_PW + "\n");
        try (Harness h = Harness.start(List.of(InstanceConfig.named("broken").directory(broken).mainCf("""
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = texthash:users
                """).masterCf("smtp inet n - n - - smtpd")), true)) {
            expose("broken", h.toString());
        } catch (ConfigException | IllegalArgumentException e) {
            exposeThrowable(e);
        }
        String log = Files.readString(Path.of(System.getProperty("org.slf4j.simpleLogger.logFile")),
                StandardCharsets.UTF_8);
        assertThat(log).as("the log is captured at DEBUG").contains("sasl_method=PLAIN");
        expose("log", log);
        assertThat(log).as("world-readable password table warned about")
                .contains("mailrelay_sasl_users: password table " + ispDir.resolve("users"))
                .doesNotContain("password table " + ispDir.resolve("tokens"))
                .doesNotContain("relay0/sasl_passwd is readable");

        List<String> secrets = List.of(ALICE_PW, WRONG_PW, RELAY_WRONG_PW, TOKEN, WRONG_TOKEN);
        Set<String> needles = new LinkedHashSet<>();
        for (String s : secrets) {
            needles.addAll(forms(s));
        }
        sentSaslLines.stream().filter(l -> l.length() >= 8).forEach(needles::add);
        List<String> leaks = new ArrayList<>();
        long scanned = 0;
        for (String[] e : exposed) {
            scanned += e[1].length();
            for (String n : needles) {
                int at = e[1].indexOf(n);
                if (at >= 0) {
                    leaks.add(e[0] + ": " + n + " in ..." + e[1].substring(Math.max(0, at - 80),
                            Math.min(e[1].length(), at + n.length() + 20)));
                }
            }
        }
        System.out.println("SecretsLeakTest: " + needles.size() + " secret forms searched in " + exposed.size()
                + " exposed texts (" + scanned + " chars), " + sentSaslLines.size() + " SASL lines sent");
        assertThat(leaks).isEmpty();
    }

    /** AUTH with mailrelay's SASL client; returns the final reply line. */
    String authenticate(int port, String mech, String user, String secret, boolean bearer) throws Exception {
        ClientCredentials creds = bearer ? ClientCredentials.bearerToken(user, secret.toCharArray())
                : ClientCredentials.password(user, secret.toCharArray());
        SaslClient client = new SaslClient(creds, SecurityOptions.parse(""), "smtp", "mail.isp.example");
        try (RawClient c = new RawClient(port)) {
            c.send("EHLO leak");
            SaslClient.Start start = client.first(mech);
            String reply;
            if (start.initialResponse() != null) {
                sentSaslLines.add(start.initialResponse());
                reply = c.sendLast("AUTH " + mech + " " + start.initialResponse());
            } else {
                reply = c.sendLast("AUTH " + mech);
            }
            for (int steps = 0; reply.startsWith("334 ") && steps < 10; steps++) {
                String response;
                try {
                    response = client.next(reply.substring(4));
                } catch (SaslClient.SaslClientException e) {
                    exposeThrowable(e);
                    response = "*";
                }
                sentSaslLines.add(response);
                reply = c.sendLast(response);
            }
            c.send("QUIT");
            return reply;
        }
    }

    void expose(Instance i) {
        expose(i.name() + " instance", i.toString());
        expose(i.name() + " parameters", i.parameters().toString());
        expose(i.name() + " describe", i.capture().describe());
        for (CapturedSession s : i.capture().sessions()) {
            expose(i.name() + " session", s.toString());
            for (CapturedSession.Exchange x : s.transcript()) {
                expose(i.name() + " exchange", x.toString());
            }
        }
        for (CapturedMessage m : i.capture().messages()) {
            expose(i.name() + " message", m.toString());
            expose(i.name() + " content", m.contentAsString());
        }
        for (DeliveryAttempt d : i.capture().deliveries()) {
            expose(i.name() + " delivery", d.toString());
        }
    }

    void exposeThrowable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            expose("exception", c.toString());
            expose("exception", String.valueOf(c.getMessage()));
        }
    }

    void expose(String label, String text) {
        exposed.add(new String[] {label, text});
    }

    /** The secret, and its base64 as it appears at any offset inside a longer base64 text. */
    static List<String> forms(String secret) {
        List<String> out = new ArrayList<>(List.of(secret));
        byte[] s = secret.getBytes(StandardCharsets.UTF_8);
        for (int pad = 0; pad < 3; pad++) {
            byte[] b = new byte[pad + s.length];
            System.arraycopy(s, 0, b, pad, s.length);
            String enc = Base64.getEncoder().encodeToString(b);
            // Skip the characters that depend on the bytes before and after the secret.
            int from = pad == 0 ? 0 : (pad * 8 + 5) / 6;
            int to = ((pad + s.length) * 8) / 6;
            out.add(enc.substring(from, to));
        }
        return out;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
