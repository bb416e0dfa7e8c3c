package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every access-table action Postfix documents in access(5), answered by a private Postfix 3.7 and by
 * the harness from the same table and parameters: the replies must be equal line for line, and what
 * happens to the mail afterwards (discarded, held, redirected, filtered, a header prepended, a BCC
 * recipient added) is checked on both sides: in Postfix's maillog and in the harness's capture.
 */
class AccessActionFidelityTest {

    /** The access table, the same file for both (texthash: Postfix reads it without postmap). */
    static final String ACCESS = """
            discard@example.com      DISCARD
            discardtext@example.com  DISCARD spam trap
            hold@example.com         HOLD
            holdtext@example.com     HOLD kept for review
            redirect@example.com     REDIRECT other@example.com
            filter@example.com       FILTER discard:filtered
            prepend@example.com      PREPEND X-Access: tagged
            warn@example.com         WARN be careful
            info@example.com         INFO noted
            bcc@example.com          BCC copy@example.com
            dunno@remote.example.org DUNNO
            ok@remote.example.org    OK
            relay@remote.example.org RELAY
            digits@remote.example.org 1234567
            reject@example.com       REJECT
            rejecttext@example.com   REJECT 5.7.2 go away
            rejectdsn@example.com    REJECT 4.7.2 wrong class
            defer@example.com        DEFER
            defertext@example.com    DEFER try later
            dip@example.com          DEFER_IF_PERMIT maybe later
            dipbare@example.com      DEFER_IF_PERMIT
            dir@remote.example.org   DEFER_IF_REJECT maybe
            dirbare@remote.example.org DEFER_IF_REJECT
            n450@example.com         450 4.2.0 mailbox busy
            n550@example.com         550 no such user
            n521@example.com         521 5.1.1 gone
            n550bare@example.com     550
            list@remote.example.org  permit_mynetworks, reject
            listdefer@example.com    defer_if_permit
            listdir@remote.example.org defer_if_reject
            listdefer2@example.com   defer
            hangup@example.com       HANGUP
            """;

    static final String MAIN_CF = """
            myhostname = mail.example.com
            mydomain = example.com
            mydestination = $myhostname, $mydomain, localhost
            mynetworks = 127.0.0.0/8
            smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
            smtpd_relay_restrictions = check_recipient_access texthash:%s, permit_mynetworks, reject_unauth_destination
            """;

    static final Map<String, String> SERVICES = new LinkedHashMap<>();

    static {
        SERVICES.put("main", "");
        SERVICES.put("outside", "-o mynetworks=10.0.0.0/8");
    }

    @TempDir
    static Path temp;
    private static PrivatePostfix postfix;
    private static Harness harness;

    @BeforeAll
    static void start() throws Exception {
        Path table = temp.resolve("access");
        Files.writeString(table, ACCESS);
        postfix = PrivatePostfix.start(temp.resolve("postfix"), MAIN_CF.formatted(table), SERVICES, Map.of(),
                "PLAIN");
        StringBuilder master = new StringBuilder();
        SERVICES.forEach((label, overrides) -> master.append(label).append(" inet n - n - - smtpd ").append(overrides)
                .append('\n'));
        Path dir = temp.resolve("harness");
        Files.createDirectories(dir);
        harness = Harness.start(List.of(InstanceConfig.named("access").directory(dir).mainCf(MAIN_CF.formatted(table)
                + "compatibility_level = 3.6\ndefault_transport = discard\nlocal_transport = discard\n")
                .masterCf(master.toString())), true);
    }

    @AfterAll
    static void stop() throws java.io.IOException {
        if (postfix != null) {
            // Postfix's log of these dialogs, for reading what the real one did.
            Files.createDirectories(Path.of("target", "fidelity-transcripts"));
            Files.writeString(Path.of("target", "fidelity-transcripts", "access-maillog.txt"), postfix.maillog());
        }
        try {
            if (harness != null) {
                harness.close();
            }
        } finally {
            if (postfix != null) {
                postfix.close();
            }
        }
    }

    record Dialog(String name, String service, Consumer<DialogScript> script) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** One transaction: MAIL FROM, the RCPTs, and DATA with a small message if any RCPT was accepted. */
    static Consumer<DialogScript> mail(String subject, String... recipients) {
        return s -> {
            s.send("EHLO c");
            s.send("MAIL FROM:<a@example.com>");
            boolean accepted = false;
            for (String r : recipients) {
                accepted |= s.send("RCPT TO:<" + r + ">").get(0).startsWith("250");
            }
            if (accepted) {
                s.send("DATA");
                s.send("Subject: " + subject + "\r\n\r\nbody\r\n.");
            }
        };
    }

    static Stream<Arguments> dialogs() {
        return Stream.of(
                new Dialog("DISCARD, then every later recipient is accepted unchecked", "outside",
                        mail("discard", "discard@example.com", "someone@remote.example.org")),
                new Dialog("DISCARD with text", "main", mail("discardtext", "discardtext@example.com")),
                new Dialog("HOLD", "main", mail("hold", "hold@example.com")),
                new Dialog("HOLD with text", "main", mail("holdtext", "holdtext@example.com")),
                new Dialog("REDIRECT", "main", mail("redirect", "redirect@example.com", "x@example.com")),
                new Dialog("FILTER", "main", mail("filter", "filter@example.com")),
                new Dialog("PREPEND", "main", mail("prepend", "prepend@example.com")),
                new Dialog("WARN and INFO", "outside", mail("warn", "warn@example.com", "info@example.com")),
                new Dialog("BCC", "main", mail("bcc", "bcc@example.com")),
                new Dialog("DUNNO, OK, RELAY, all digits", "outside", mail("ok", "dunno@remote.example.org",
                        "ok@remote.example.org", "relay@remote.example.org", "digits@remote.example.org")),
                new Dialog("REJECT and DEFER with and without text", "main", mail("rejects", "reject@example.com",
                        "rejecttext@example.com", "rejectdsn@example.com", "defer@example.com",
                        "defertext@example.com")),
                new Dialog("DEFER_IF_PERMIT", "main", mail("dip", "dip@example.com", "dipbare@example.com")),
                new Dialog("DEFER_IF_REJECT from outside", "outside", mail("dir", "dir@remote.example.org",
                        "dirbare@remote.example.org")),
                new Dialog("DEFER_IF_REJECT inside", "main", mail("dirmain", "dir@remote.example.org")),
                new Dialog("numeric codes", "main", mail("numeric", "n450@example.com", "n550@example.com")),
                new Dialog("restriction lists as values", "outside", mail("lists", "list@remote.example.org",
                        "listdefer@example.com", "listdir@remote.example.org", "listdefer2@example.com")),
                new Dialog("restriction list as value, inside", "main", mail("listmain", "list@remote.example.org")),
                new Dialog("521 ends the session", "main", mail("n521", "n521@example.com", "x@example.com")),
                new Dialog("a bare reply code is all digits: OK", "main", mail("n550bare", "n550bare@example.com")),
                new Dialog("HANGUP drops the connection without a reply", "main", mail("hangup",
                        "x@example.com", "hangup@example.com", "y@example.com")))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dialogs")
    void sameRepliesAsPostfix(Dialog dialog) throws Exception {
        List<String> real = run(dialog, postfix.port(dialog.service()));
        Path transcripts = Path.of("target", "fidelity-transcripts");
        Files.createDirectories(transcripts);
        Files.writeString(transcripts.resolve("access-" + dialog.name().replaceAll("[^A-Za-z0-9]+", "-") + ".txt"),
                String.join("\n", real) + "\n");
        List<String> ours = run(dialog, harness.instance("access").port(dialog.service()));
        assertThat(String.join("\n", ours)).as("harness (actual) vs Postfix %s (expected) for \"%s\"",
                postfix.version(), dialog.name()).isEqualTo(String.join("\n", real));
    }

    /** Sends one message from the main service; returns its queue ID. */
    private static String send(int port, String subject, String... recipients) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
            d.greeting();
            d.send("EHLO c");
            d.send("MAIL FROM:<a@example.com>");
            for (String r : recipients) {
                assertThat(d.send("RCPT TO:<" + r + ">")).containsExactly("250 2.1.5 Ok");
            }
            d.send("DATA");
            String reply = d.send("Subject: " + subject + "\r\n\r\nbody\r\n.").get(0);
            assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
            d.send("QUIT");
            return reply.substring(reply.lastIndexOf(' ') + 1);
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static CapturedMessage captured(String subject) {
        return harness.instance("access").capture().awaitMessage(m -> subject.equals(m.subject()), WAIT);
    }

    private static DeliveryAttempt delivered(String queueId) {
        return harness.instance("access").capture().awaitDelivery(a -> a.queueId().equals(queueId), WAIT);
    }

    @Test
    void discardedMailIsCapturedAsDiscardedAndNeverQueued() {
        String id = send(postfix.port("main"), "fx-discard", "discard@example.com", "y@example.com");
        postfix.awaitMaillog(l -> l.contains("discard: RCPT from") && l.contains("to=<discard@example.com>"), WAIT);
        // Postfix's cleanup drops it: the queue manager never sees the queue ID.
        Instance ours = harness.instance("access");
        String ourId = send(ours.port("main"), "fx-discard", "discard@example.com", "y@example.com");
        CapturedMessage m = captured("fx-discard");
        assertThat(m.queueId()).isEqualTo(ourId);
        assertThat(m.flags().discarded()).isTrue();
        assertThat(ours.awaitIdle(WAIT)).isTrue();
        assertThat(ours.capture().deliveries()).noneMatch(a -> a.queueId().equals(ourId));
        postfix.awaitMaillog(l -> l.contains("disconnect from"), WAIT);
        assertThat(postfix.maillog()).doesNotContain(id + ": from=<");
    }

    @Test
    void heldMailWaitsUntilReleased() {
        String id = send(postfix.port("main"), "fx-hold", "hold@example.com");
        postfix.awaitMaillog(l -> l.contains(id + ": message-id="), WAIT);
        assertThat(postfix.maillog()).doesNotContain(id + ": from=<");
        ExternalProcess.Result r = ExternalProcess.run(WAIT, null, "/usr/sbin/postsuper", "-c",
                postfix.dir().resolve("conf").toString(), "-H", id);
        assertThat(r.exitCode()).as(r.describe()).isZero();
        // Released mail waits in Postfix's deferred queue for the next queue run; flush it now.
        r = ExternalProcess.run(WAIT, null, "/usr/sbin/postqueue", "-c", postfix.dir().resolve("conf").toString(), "-f");
        assertThat(r.exitCode()).as(r.describe()).isZero();
        postfix.awaitMaillog(l -> l.contains(id + ": to=<hold@example.com>") && l.contains("status=sent"), WAIT);

        Instance ours = harness.instance("access");
        String ourId = send(ours.port("main"), "fx-hold", "hold@example.com");
        assertThat(captured("fx-hold").flags().hold()).isTrue();
        assertThat(ours.awaitIdle(WAIT)).isTrue();
        assertThat(ours.heldMailCount()).isEqualTo(1);
        ours.flush();   // postqueue -f leaves held mail alone
        assertThat(ours.awaitIdle(WAIT)).isTrue();
        assertThat(ours.capture().deliveries()).noneMatch(a -> a.queueId().equals(ourId));
        assertThat(ours.releaseHeldMail()).isEqualTo(1);
        assertThat(delivered(ourId).recipients()).containsExactly("hold@example.com");
        assertThat(ours.heldMailCount()).isZero();
    }

    @Test
    void redirectReplacesEveryRecipient() {
        String id = send(postfix.port("main"), "fx-redirect", "redirect@example.com", "x@example.com");
        postfix.awaitMaillog(l -> l.contains(id + ": to=<other@example.com>, orig_to=<redirect@example.com>"), WAIT);
        String ourId = send(harness.instance("access").port("main"), "fx-redirect", "redirect@example.com",
                "x@example.com");
        assertThat(captured("fx-redirect").recipients()).containsExactly("other@example.com");
        assertThat(delivered(ourId).recipients()).containsExactly("other@example.com");
    }

    @Test
    void filterDeliversThroughTheNamedTransport() {
        String id = send(postfix.port("main"), "fx-filter", "filter@example.com");
        postfix.awaitMaillog(l -> l.contains("discard[") && l.contains(id + ": to=<filter@example.com>")
                && l.contains("status=sent (filtered)"), WAIT);
        String ourId = send(harness.instance("access").port("main"), "fx-filter", "filter@example.com");
        assertThat(captured("fx-filter").flags().filter()).isEqualTo("discard:filtered");
        DeliveryAttempt a = delivered(ourId);
        assertThat(a.transport()).isEqualTo("discard");
        assertThat(a.nextHop()).isEqualTo("filtered");
    }

    @Test
    void bccAddsARecipient() {
        String id = send(postfix.port("main"), "fx-bcc", "bcc@example.com");
        postfix.awaitMaillog(l -> l.contains(id + ": to=<copy@example.com>") && l.contains("status=sent"), WAIT);
        send(harness.instance("access").port("main"), "fx-bcc", "bcc@example.com");
        assertThat(captured("fx-bcc").recipients()).containsExactly("bcc@example.com", "copy@example.com");
    }

    @Test
    void prependAddsAHeaderAboveReceived() {
        send(harness.instance("access").port("main"), "fx-prepend", "prepend@example.com");
        assertThat(captured("fx-prepend").contentAsString()).startsWith("X-Access: tagged\r\nReceived: from c ");
    }

    private static List<String> run(Dialog dialog, int port) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
            DialogScript s = new DialogScript(d);
            s.record("(connect)", d.greeting());
            dialog.script().accept(s);
            s.send("QUIT");
            return s.transcript;
        }
    }
}
