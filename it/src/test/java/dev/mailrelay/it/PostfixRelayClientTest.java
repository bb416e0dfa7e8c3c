package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Postfix 3.7 as the relay client, configured as SASL_README's client section configures it
 * ({@code relayhost}, {@code smtp_sasl_auth_enable}, {@code smtp_sasl_password_maps} keyed by the
 * next hop, {@code smtp_sasl_security_options}, {@code smtp_sender_dependent_authentication},
 * {@code smtp_generic_maps}), and the harness as the ISP it authenticates to. Mail is injected into
 * Postfix's own smtpd on a loopback port; what arrived is observed in the harness's capture (SASL
 * mechanism and login, envelope sender after generic mapping), a deferral in Postfix's maillog.
 * {@code relayhost} is {@code [127.0.0.1]:port}: SASL_README's {@code [mail.isp.example]} needs DNS.
 */
class PostfixRelayClientTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String RCPT = "friend@remote.example";

    @TempDir
    static Path temp;
    private static Harness harness;

    @BeforeAll
    static void startIsps() throws IOException {
        // Two ISPs: one whose Cyrus offers only PLAIN and LOGIN, one offering CRAM-MD5, DIGEST-MD5 and SCRAM too.
        harness = Harness.start(List.of(isp("plainonly", "PLAIN LOGIN"),
                isp("full", "PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256")), true);
    }

    private static InstanceConfig isp(String name, String mechList) throws IOException {
        Path dir = temp.resolve("isp-" + name);
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: "
                + mechList + "\n");
        // mynetworks is empty: the relay to RCPT is allowed only after AUTH, so a captured message proves it.
        return InstanceConfig.named(name).directory(dir).mainCf("""
                myhostname = mail.isp.example
                mydomain = isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                default_transport = discard
                mailrelay_sasl_users = inline:{ relay@isp.example=relaypw, her@isp.example=herpw }
                """).masterCf("submission inet n - n - - smtpd");
    }

    @AfterAll
    static void stopIsps() {
        if (harness != null) {
            harness.close();
        }
    }

    /**
     * A private Postfix relaying everything to the ISP {@code isp} with the given client parameters;
     * its smtpd ({@code in}) accepts mail from loopback ({@code mynetworks = 127.0.0.0/8}).
     */
    private static PrivatePostfix postfixRelayingTo(String label, Instance isp, String clientParameters,
                                                    String saslPasswd, String generic) throws IOException {
        Path dir = temp.resolve("postfix-" + label);
        Path maps = temp.resolve("maps-" + label);
        Files.createDirectories(maps);
        Files.writeString(maps.resolve("sasl_passwd"), saslPasswd);
        Files.writeString(maps.resolve("generic"), generic);
        String nexthop = "[127.0.0.1]:" + isp.port("submission");
        return PrivatePostfix.start(dir, """
                myhostname = box.example.com
                mydomain = example.com
                myorigin = $myhostname
                mydestination =
                mynetworks = 127.0.0.0/8
                default_transport = smtp
                relay_transport = smtp
                relayhost = %s
                smtp_tls_security_level = none
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = texthash:%s/sasl_passwd
                smtp_generic_maps = texthash:%s/generic
                %s
                """.formatted(nexthop, maps, maps, clientParameters), Map.of("in", ""), Map.of(), "PLAIN");
    }

    /** Submits one message to Postfix's smtpd and returns Postfix's queue id. */
    private static String inject(PrivatePostfix postfix, String sender, String subject) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", postfix.port("in"), null)) {
            assertThat(d.greeting().get(0)).startsWith("220 ");
            assertThat(d.send("EHLO client.example.net").get(0)).startsWith("250");
            assertThat(d.send("MAIL FROM:<" + sender + ">")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<" + RCPT + ">")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("DATA").get(0)).startsWith("354 ");
            List<String> queued = d.send("From: " + sender + "\r\nTo: " + RCPT + "\r\nSubject: " + subject
                    + "\r\n\r\nvia a real Postfix\r\n.");
            assertThat(queued.get(0)).startsWith("250 2.0.0 Ok: queued as ");
            d.send("QUIT");
            return queued.get(0).substring("250 2.0.0 Ok: queued as ".length());
        }
    }

    private static String subject(String what) {
        return what + " " + UUID.randomUUID();
    }

    private static CapturedMessage awaitAtIsp(Instance isp, String subject) {
        return isp.capture().awaitMessage(m -> subject.equals(m.subject()), WAIT);
    }

    @Test
    void noanonymousAuthenticatesWithPlainAtAnIspOfferingOnlyPlaintext() throws IOException {
        Instance isp = harness.instance("plainonly");
        String nexthop = "[127.0.0.1]:" + isp.port("submission");
        try (PrivatePostfix postfix = postfixRelayingTo("noanonymous", isp,
                "smtp_sasl_security_options = noanonymous", nexthop + " relay@isp.example:relaypw\n", "")) {
            String subject = subject("noanonymous");
            String queueId = inject(postfix, "me@box.example.com", subject);
            CapturedMessage m = awaitAtIsp(isp, subject);
            assertThat(m.saslMethod()).as("sasl_method").isEqualTo("PLAIN");
            assertThat(m.saslUsername()).as("sasl_username").isEqualTo("relay@isp.example");
            assertThat(m.sender()).isEqualTo("me@box.example.com");
            assertThat(m.recipients()).containsExactly(RCPT);
            assertThat(m.helo()).isEqualTo("box.example.com");
            assertThat(m.protocol()).isEqualTo("ESMTPA");
            // Postfix logs the delivery with the ISP's queue id.
            postfix.awaitMaillog(l -> l.contains(queueId + ": to=<" + RCPT + ">") && l.contains("status=sent")
                    && l.contains("queued as " + m.queueId()), WAIT);
        }
    }

    @Test
    void theNoplaintextDefaultDefersAtAnIspOfferingOnlyPlaintext() throws IOException {
        Instance isp = harness.instance("plainonly");
        String nexthop = "[127.0.0.1]:" + isp.port("submission");
        try (PrivatePostfix postfix = postfixRelayingTo("default-plainonly", isp, "",
                nexthop + " relay@isp.example:relaypw\n", "")) {
            String subject = subject("noplaintext default");
            String queueId = inject(postfix, "me@box.example.com", subject);
            String line = postfix.awaitMaillog(l -> l.contains(queueId + ": to=<" + RCPT + ">")
                    && l.contains("status="), WAIT);
            assertThat(line).contains("status=deferred (SASL authentication failed; cannot authenticate to server "
                    + "127.0.0.1[127.0.0.1]: no mechanism available)");
            assertThat(isp.capture().messages()).noneMatch(m -> subject.equals(m.subject()));
        }
    }

    /** Cyrus 2.1.28's client, offered PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256, picks SCRAM-SHA-256. */
    @Test
    void theNoplaintextDefaultPicksAChallengeResponseMechanism() throws IOException {
        Instance isp = harness.instance("full");
        String nexthop = "[127.0.0.1]:" + isp.port("submission");
        try (PrivatePostfix postfix = postfixRelayingTo("default-full", isp, "",
                nexthop + " relay@isp.example:relaypw\n", "")) {
            String subject = subject("noplaintext default, full ISP");
            inject(postfix, "me@box.example.com", subject);
            CapturedMessage m = awaitAtIsp(isp, subject);
            assertThat(m.saslMethod()).as("sasl_method").isEqualTo("SCRAM-SHA-256");
            assertThat(m.saslUsername()).as("sasl_username").isEqualTo("relay@isp.example");
        }
    }

    @Test
    void senderDependentAuthenticationAndGenericMaps() throws IOException {
        Instance isp = harness.instance("full");
        String nexthop = "[127.0.0.1]:" + isp.port("submission");
        try (PrivatePostfix postfix = postfixRelayingTo("sender-dependent", isp, """
                        smtp_sasl_security_options = noanonymous
                        smtp_sender_dependent_authentication = yes
                        smtp_sasl_mechanism_filter = plain
                        """,
                // Per-sender entries are looked up with the envelope sender before generic mapping,
                // the next hop's entry is the fallback for every other sender.
                "her@box.example.com her@isp.example:herpw\n" + nexthop + " relay@isp.example:relaypw\n",
                "her@box.example.com her@isp.example\n")) {
            String herSubject = subject("sender-dependent, her");
            String otherSubject = subject("sender-dependent, other");
            inject(postfix, "her@box.example.com", herSubject);
            inject(postfix, "other@box.example.com", otherSubject);
            CapturedMessage her = awaitAtIsp(isp, herSubject);
            assertThat(her.saslMethod()).isEqualTo("PLAIN");
            assertThat(her.saslUsername()).isEqualTo("her@isp.example");
            assertThat(her.sender()).as("envelope sender after smtp_generic_maps").isEqualTo("her@isp.example");
            assertThat(her.contentAsString()).as("header sender after smtp_generic_maps").contains("From: her@isp.example");
            CapturedMessage other = awaitAtIsp(isp, otherSubject);
            assertThat(other.saslUsername()).isEqualTo("relay@isp.example");
            assertThat(other.sender()).as("no generic mapping").isEqualTo("other@box.example.com");
        }
    }
}
