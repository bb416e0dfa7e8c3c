package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tls.CertificateFlaw;
import dev.mailrelay.tls.HarnessCa;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each injected fault of an ISP instance, suffered by two relay clients in turn: a real, private
 * Postfix 3.7 ({@code smtp(8)} with {@code smtp_sasl_auth_enable}, one master.cf transport per client
 * setting) and the harness's relay configured alike. Both relay to the same ISP at
 * {@code [127.0.0.1]:port} under the same {@code myhostname}, so what a user sees can be compared as
 * is: the delivery status, the enhanced status code, the reason and the host reached
 * ({@code relay=..., dsn=..., status=... (reason)} in Postfix's maillog, {@link DeliveryAttempt} in the
 * harness), and for a bounce the notification as the sender gets it (Postfix's bounce is delivered to
 * a capturing sink instance). Only queue IDs and dates differ legitimately and are masked. One
 * private Postfix serves every case; each case clears the faults and both queues after itself.
 */
class RelayFaultsFidelityTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SENDER = "me@box.example.com";
    /** The relay client settings compared, each a master.cf transport of the Postfix and a harness relay. */
    static final Map<String, String> CLIENTS = Map.of(
            "plain", "",
            "hardauth", "smtp_sasl_auth_soft_bounce = no",
            "shortwait", "smtp_helo_timeout = 2s",
            // smtp_proto.c's other per-state timeouts, each short, with STARTTLS offered.
            "stagewait", """
                    smtp_tls_security_level = may
                    smtp_starttls_timeout = 2s
                    smtp_mail_timeout = 2s
                    smtp_rcpt_timeout = 2s
                    smtp_data_init_timeout = 2s
                    smtp_data_done_timeout = 2s""",
            "may", "smtp_tls_security_level = may",
            "encrypt", "smtp_tls_security_level = encrypt",
            "verify", "smtp_tls_security_level = verify",
            "secure", "smtp_tls_security_level = secure",
            // relayhost = [isp], [backup]
            "failover", "");

    @TempDir
    static Path temp;
    private static Harness upstream;
    private static Harness relays;
    private static PrivatePostfix postfix;
    private static Instance isp;
    private static Instance backup;
    private static Instance sink;

    @BeforeAll
    static void start() throws IOException {
        upstream = Harness.start(List.of(isp("isp", "mail.isp.example"), isp("backup", "backup.isp.example"),
                // Where Postfix's bounces go: the sender's domain, captured.
                InstanceConfig.named("sink").mainCf("""
                        myhostname = sink.example
                        mydestination = box.example.com
                        mynetworks = 127.0.0.0/8
                        """).masterCf("smtp inet n - n - - smtpd")), true);
        isp = upstream.instance("isp");
        backup = upstream.instance("backup");
        sink = upstream.instance("sink");
        String nexthop = "[127.0.0.1]:" + isp.port("submission");
        String backupHop = "[127.0.0.1]:" + backup.port("submission");
        Path maps = temp.resolve("maps");
        Files.createDirectories(maps);
        Files.writeString(maps.resolve("sasl_passwd"), nexthop + " relay@isp.example:relaypw\n"
                + backupHop + " relay@isp.example:relaypw\n");
        // Postfix's SASL_README: the password table readable by root only (the harness warns otherwise).
        Files.setPosixFilePermissions(maps.resolve("sasl_passwd"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path caFile = HarnessCa.writePem(maps.resolve("harness-ca.pem"));
        // Settings both clients share; the certificate names the ISP, not the literal next hop.
        String common = """
                myhostname = box.example.com
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = texthash:%s/sasl_passwd
                smtp_sasl_security_options = noanonymous
                smtp_connection_cache_on_demand = no
                smtp_tls_CAfile = %s
                smtp_tls_verify_cert_match = mail.isp.example
                smtp_tls_secure_cert_match = mail.isp.example
                """.formatted(maps, caFile);

        List<InstanceConfig> relayConfigs = new ArrayList<>();
        StringBuilder transports = new StringBuilder("box.example.com smtp:[127.0.0.1]:" + sink.port("smtp") + "\n");
        StringBuilder master = new StringBuilder();
        CLIENTS.forEach((client, setting) -> {
            String destination = client.equals("failover") ? nexthop + ", " + backupHop : nexthop;
            relayConfigs.add(InstanceConfig.named(client).mainCf(common + """
                    mydestination = box.example.com
                    relayhost = %s
                    minimal_backoff_time = 1h
                    maximal_backoff_time = 2h
                    %s
                    """.formatted(destination, setting)).masterCf("smtp inet n - n - - smtpd"));
            transports.append(client).append(".example ").append(client).append(':').append(destination).append('\n');
            master.append(client).append(" unix - - n - - smtp");
            setting.lines().forEach(p -> master.append(" -o ").append(p.replace(" ", "")));
            master.append('\n');
        });
        Files.writeString(maps.resolve("transport"), transports.toString());
        relays = Harness.start(relayConfigs, true);
        postfix = PrivatePostfix.start(temp.resolve("postfix"), common + """
                mydomain = example.com
                mydestination =
                mynetworks = 127.0.0.0/8
                default_transport = smtp
                relay_transport = smtp
                transport_maps = texthash:%s/transport
                smtp_tls_security_level = none
                minimal_backoff_time = 1h
                maximal_backoff_time = 2h
                """.formatted(maps), Map.of("in", ""), Map.of(), "PLAIN", master.toString());
    }

    private static InstanceConfig isp(String name, String hostname) throws IOException {
        Path dir = temp.resolve(name);
        Files.createDirectories(dir.resolve("sasl"));
        Files.writeString(dir.resolve("sasl/smtpd.conf"), "pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
                + "mech_list: PLAIN LOGIN\n");
        return InstanceConfig.named(name).directory(dir).mainCf("""
                myhostname = %s
                mydomain = isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_tls_security_level = may
                default_transport = discard
                mailrelay_sasl_users = inline:{ relay@isp.example=relaypw }
                """.formatted(hostname)).masterCf("submission inet n - n - - smtpd");
    }

    @AfterAll
    static void stop() {
        Stream.<AutoCloseable>of(postfix, relays, upstream).forEach(c -> {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void clearFaultsAndQueues() {
        isp.faults().clear();
        ExternalProcess.run(Duration.ofSeconds(20), null, "/usr/sbin/postsuper", "-c",
                postfix.dir().resolve("conf").toString(), "-d", "ALL");
        CLIENTS.keySet().forEach(c -> relays.instance(c).deleteQueuedMail());
    }

    /** What one relay client did with one message: its first delivery attempt's outcome and the host it reached. */
    record Outcome(String status, String dsn, String reason, String relay) {
    }

    /** Both outcomes of one case; {@code tag} is in both messages' subjects. */
    record Compared(String client, String tag, Outcome postfix, Outcome harness) {
    }

    /** The same fault, suffered by Postfix and then by the harness relay {@code client}. */
    private static Compared compare(String client, Consumer<Faults> fault) {
        return compare(client, fault, 0);
    }

    /** As {@link #compare(String, Consumer)}, with a body of {@code bodyLines} more lines of 78 characters. */
    private static Compared compare(String client, Consumer<Faults> fault, int bodyLines) {
        String rcpt = "friend@" + client + ".example";
        String tag = client + " " + UUID.randomUUID();
        isp.faults().clear();
        fault.accept(isp.faults());
        String pfQueueId = submit(postfix.port("in"), rcpt, "postfix " + tag, bodyLines);
        Outcome pf = postfixOutcome(pfQueueId, rcpt);
        isp.faults().clear();
        fault.accept(isp.faults());
        Instance relay = relays.instance(client);
        String queueId = submit(relay.port("smtp"), rcpt, "harness " + tag, bodyLines);
        DeliveryAttempt a = relay.capture().awaitDelivery(d -> d.queueId().equals(queueId), WAIT);
        Outcome harness = new Outcome(a.status().word(), a.dsn(), masked(a.reply()), a.relay());
        assertThat(harness).as("the harness relay under the fault, against Postfix 3.7").isEqualTo(pf);
        return new Compared(client, tag, pf, harness);
    }

    /**
     * Postfix's bounce (captured by the sink) against the harness relay's, for the last message of
     * {@code client}: the headers a user reads, the notification text and the delivery-status fields.
     */
    private static void compareBounces(Compared c) {
        CapturedMessage pf = postfixBounce(c);
        CapturedMessage harness = harnessBounce(c);
        assertThat(bounceParts(harness)).as("the harness's bounce against Postfix 3.7's")
                .isEqualTo(bounceParts(pf));
    }

    private static CapturedMessage postfixBounce(Compared c) {
        return sink.capture().awaitMessage(m -> m.sender().isEmpty()
                && m.contentAsString().contains("Subject: postfix " + c.tag() + "\r\n"), WAIT);
    }

    private static CapturedMessage harnessBounce(Compared c) {
        return relays.instance(c.client()).capture().awaitMessage(m -> m.sender().isEmpty()
                && m.contentAsString().contains("Subject: harness " + c.tag() + "\r\n"), WAIT);
    }

    /**
     * A bounce as its sender's mailbox shows it, up to the returned message, without what differs
     * legitimately: the {@code Received:} the sink added, queue IDs, dates and the MIME boundary.
     */
    static String bounceParts(CapturedMessage bounce) {
        String c = bounce.contentAsString();
        String fromBounce = c.substring(c.indexOf("Received: by box.example.com (Postfix)"));
        Matcher original = Pattern.compile("X-Postfix-Queue-ID: (\\w+)").matcher(fromBounce);
        assertThat(original.find()).as(fromBounce).isTrue();
        // The bounced message's queue ID is in the boundary, with the time.
        // Up to the returned message's first line, bounce(8)'s Return-Path:; the rest is the relays' own.
        int returned = fromBounce.indexOf("\r\n\r\n", fromBounce.indexOf("Undelivered Message")) + 4;
        return fromBounce.substring(0, fromBounce.indexOf("\r\n", returned) + 2)
                .replace(original.group(1), "ORIGINAL")
                .replaceAll("ORIGINAL\\.\\d+/", "ORIGINAL.T/")
                .replaceAll("\tid \\w+; [^\r\n]+", "\tid Q; D")
                .replaceAll("Date: [^\r\n]+", "Date: D")
                .replaceAll("Message-Id: <\\d{14}\\.\\w+@", "Message-Id: <T.Q@");
    }

    private static final Pattern STATUS = Pattern.compile(", relay=([^,]+), .*, dsn=([0-9.]+), status=(\\w+) \\((.*)\\)$");

    private static Outcome postfixOutcome(String queueId, String rcpt) {
        String line = postfix.awaitMaillog(l -> l.contains(" " + queueId + ": to=<" + rcpt + ">")
                && l.contains(", status="), WAIT);
        Matcher m = STATUS.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return new Outcome(m.group(3), m.group(2), masked(m.group(4)), m.group(1));
    }

    /** The upstream's queue ID in a {@code 250} reason differs from message to message. */
    private static String masked(String reason) {
        return reason.replaceAll("queued as \\w+", "queued as Q");
    }

    /** Submits one message to a relay's smtpd, returns the relay's queue ID. */
    private static String submit(int port, String rcpt, String subject, int bodyLines) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
            assertThat(d.greeting().get(0)).startsWith("220 ");
            assertThat(d.send("EHLO client.example.net").get(0)).startsWith("250");
            assertThat(d.send("MAIL FROM:<" + SENDER + ">")).containsExactly("250 2.1.0 Ok");
            assertThat(d.send("RCPT TO:<" + rcpt + ">")).containsExactly("250 2.1.5 Ok");
            assertThat(d.send("DATA").get(0)).startsWith("354 ");
            List<String> queued = d.send("From: " + SENDER + "\r\nTo: " + rcpt + "\r\nSubject: " + subject
                    + "\r\nMessage-ID: <" + UUID.randomUUID() + "@box.example.com>\r\n\r\nfault fidelity\r\n"
                    + ("x".repeat(78) + "\r\n").repeat(bodyLines) + ".");
            assertThat(queued.get(0)).startsWith("250 2.0.0 Ok: queued as ");
            d.send("QUIT");
            return queued.get(0).substring("250 2.0.0 Ok: queued as ".length());
        }
    }

    private static void flushPostfix() {
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20), null, "/usr/sbin/postqueue", "-c",
                postfix.dir().resolve("conf").toString(), "-f");
        assertThat(r.exitCode()).as(r.describe()).isZero();
    }

    @Test
    void temporaryAuthFailureDefers() {
        Compared o = compare("plain", f -> f.onAuth().reply("454 4.7.0 Temporary authentication failure"));
        assertThat(o.postfix().status()).isEqualTo("deferred");
    }

    @Test
    void permanentAuthFailureDefersWithSoftBounce() {
        Compared o = compare("plain", f -> f.onAuth().reply("535 5.7.8 Error: authentication failed: account disabled"));
        assertThat(o.postfix().status()).isEqualTo("deferred");
    }

    @Test
    void permanentAuthFailureBouncesWithoutSoftBounce() {
        Compared o = compare("hardauth", f -> f.onAuth().reply("535 5.7.8 Error: authentication failed: account disabled"));
        assertThat(o.postfix().status()).isEqualTo("bounced");
        compareBounces(o);
    }

    @Test
    void recipientRejectedBounces() {
        Compared o = compare("plain", f -> f.onRcpt().reply("550 5.1.1 <friend@plain.example>: Recipient address "
                + "rejected: User unknown in relay recipient table"));
        assertThat(o.postfix().status()).isEqualTo("bounced");
        compareBounces(o);
    }

    /** Beyond bounce_size_limit (50000 bytes) bounce(8) returns the headers only. */
    @Test
    void aLargeMessageBouncesWithItsHeadersOnly() {
        Compared o = compare("plain", f -> f.onRcpt().reply("550 5.1.1 User unknown"), 1000);
        assertThat(o.postfix().status()).isEqualTo("bounced");
        compareBounces(o);
        for (CapturedMessage bounce : List.of(postfixBounce(o), harnessBounce(o))) {
            String c = bounce.contentAsString();
            assertThat(c).doesNotContain("fault fidelity").containsPattern("\r\nSubject: \\w+ " + o.tag()
                    + "\r\n(\\S[^\r\n]*\r\n)*\r\n--[^\r\n]+--\r\n$");
        }
    }

    @Test
    void recipientTemporarilyRejectedDefers() {
        compare("plain", f -> f.onRcpt().reply("450 4.2.0 Mailbox busy"));
    }

    @Test
    void senderRejectedBounces() {
        compare("plain", f -> f.onMail().reply("553 5.7.1 <me@box.example.com>: Sender address rejected: not owned by user"));
    }

    @Test
    void temporaryFailureAtEndOfDataDefers() {
        compare("plain", f -> f.onData().reply("451 4.3.0 Error: queue file write error"));
    }

    @Test
    void permanentFailureAtEndOfDataBounces() {
        Compared o = compare("plain", f -> f.onData().reply("554 5.7.1 Message rejected"));
        assertThat(o.postfix().status()).isEqualTo("bounced");
        compareBounces(o);
    }

    @Test
    void greeting421Defers() {
        compare("plain", f -> f.onConnect().reply("421 4.3.2 Service not available"));
    }

    /** smtp_connect.c: a 4xx greeting is a soft error for this host only; the next one is tried at once. */
    @Test
    void greeting421MovesOnToTheNextRelayhost() {
        Compared o = compare("failover", f -> f.onConnect().reply("421 4.3.2 Service not available"));
        assertThat(o.postfix().status()).isEqualTo("sent");
        assertThat(o.postfix().relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + backup.port("submission"));
    }

    @Test
    void greeting554Defers() {
        compare("plain", f -> f.onConnect().reply("554 5.7.1 Go away"));
    }

    @Test
    void closeWithoutGreetingDefers() {
        compare("plain", f -> f.onConnect().disconnect());
    }

    @Test
    void refusedConnectionDefers() {
        Compared o = compare("plain", f -> f.onConnect().refuse());
        assertThat(o.postfix().dsn()).isEqualTo("4.4.1");
    }

    @Test
    void greetingLaterThanTheTimeoutDefers() {
        compare("shortwait", f -> f.onConnect().delay(Duration.ofSeconds(3)));
    }

    @Test
    void replyLaterThanTheTimeoutDefers() {
        compare("shortwait", f -> f.onCommand("EHLO").delay(Duration.ofSeconds(3)));
    }

    @Test
    void starttlsReplyLaterThanTheTimeoutDefers() {
        compare("stagewait", f -> f.onStarttls().delay(Duration.ofSeconds(3)));
    }

    @Test
    void disconnectInsteadOfTheStarttlsReplyDefers() {
        compare("stagewait", f -> f.onStarttls().disconnect());
    }

    @Test
    void mailReplyLaterThanTheTimeoutDefers() {
        compare("stagewait", f -> f.onMail().delay(Duration.ofSeconds(3)));
    }

    @Test
    void rcptReplyLaterThanTheTimeoutDefers() {
        compare("stagewait", f -> f.onRcpt().delay(Duration.ofSeconds(3)));
    }

    @Test
    void dataReplyLaterThanTheTimeoutDefers() {
        compare("stagewait", f -> f.onCommand("DATA").delay(Duration.ofSeconds(3)));
    }

    @Test
    void endOfDataReplyLaterThanTheTimeoutDefers() {
        compare("stagewait", f -> f.onData().delay(Duration.ofSeconds(3)));
    }

    @Test
    void disconnectInsteadOfTheRcptReplyDefers() {
        compare("plain", f -> f.onRcpt().disconnect());
    }

    @Test
    void starttlsHandshakeFailureAtEncryptDefers() {
        compare("encrypt", f -> f.onStarttls().handshakeFailure());
    }

    @Test
    void starttlsHandshakeFailureAtMay() {
        compare("may", f -> f.onStarttls().handshakeFailure());
    }

    @Test
    void wrongNameAtSecureDefers() {
        compare("secure", f -> f.onStarttls().certificate(CertificateFlaw.WRONG_NAME));
    }

    @Test
    void wrongNameAtVerifyDefers() {
        compare("verify", f -> f.onStarttls().certificate(CertificateFlaw.WRONG_NAME));
    }

    @Test
    void expiredAtVerifyDefers() {
        compare("verify", f -> f.onStarttls().certificate(CertificateFlaw.EXPIRED));
    }

    @Test
    void expiredAtSecureDefers() {
        compare("secure", f -> f.onStarttls().certificate(CertificateFlaw.EXPIRED));
    }

    @Test
    void wrongNameAtMayIsSent() {
        Compared o = compare("may", f -> f.onStarttls().certificate(CertificateFlaw.WRONG_NAME));
        assertThat(o.postfix().status()).isEqualTo("sent");
    }

    /**
     * The classic duplicate: the ISP queues the message and hangs up before its reply. Both defer with
     * smtp_proto.c's warning, both send it again on the retry, and the ISP ends up with two copies.
     */
    @Test
    void disconnectAfterTheFinalDotDefersAndTheRetrySendsADuplicate() {
        Compared o = compare("plain", f -> f.onData().next(1).disconnect());
        assertThat(o.postfix().status()).isEqualTo("deferred");
        flushPostfix();
        relays.instance("plain").flush();
        postfix.awaitMaillog(l -> l.contains(": to=<friend@plain.example>") && l.contains("status=sent"), WAIT);
        relays.instance("plain").capture().awaitDelivery(a -> a.status() == DeliveryAttempt.Status.SENT, WAIT);
        for (String side : List.of("postfix ", "harness ")) {
            String subject = side + o.tag();
            CapturedMessage first = isp.capture().awaitMessage(m -> subject.equals(m.subject()), WAIT);
            isp.capture().awaitMessage(m -> subject.equals(m.subject()) && !m.queueId().equals(first.queueId()), WAIT);
            assertThat(isp.capture().messages()).as(side + "copies at the ISP")
                    .filteredOn(m -> subject.equals(m.subject())).hasSize(2);
        }
    }

    @Test
    void starttlsRefusedAtEncryptDefers() {
        compare("encrypt", f -> f.onStarttls().reply("454 4.7.0 TLS not available due to local problem"));
    }
}
