package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.fail;

import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential fuzzing of the relay side: cases drawn with a seed, each a relay configuration
 * ({@code smtp_sasl_*}, {@code smtp_sasl_password_maps} entries, {@code smtp_tls_security_level},
 * sender-dependent authentication) and an ISP's offer ({@link RecordingUpstream.Offer}: AUTH
 * mechanisms known and unknown, {@code AUTH}/{@code AUTH=} lines, before or only after STARTTLS, the
 * verdict on the credentials). A private Postfix 3.7 with Debian's Cyrus client plugins and the
 * harness relay one message each through the same {@link RecordingUpstream}: the mechanism chosen,
 * the login and the responses it recorded, and the delivery status (status, enhanced code, reason
 * text) must be equal, unless the README lists the difference ({@code relay-difference} entries,
 * {@link DeliberateDifferences#relayEntries}). A differing case is minimised (parameters dropped,
 * mechanisms removed, the offer simplified while it still differs alike) and printed as a paste-ready
 * {@code main.cf} fragment, password map and offer.
 *
 * <p>Postfix runs all cases of a batch at once: one {@code master.cf} smtp transport per case with
 * {@code -o} overrides, chosen per recipient domain by {@code transport_maps}; the harness starts one
 * relay instance per case with the same parameters in {@code main.cf}. Each client's EHLO name names
 * its case, so the upstream knows what to offer.
 *
 * <p>{@code -Dmailrelay.relayfuzz.cases=N} (default 100), {@code -Dmailrelay.relayfuzz.seed=S}
 * (default fixed; {@code random} draws one and prints it); {@code mvn -Plong} runs 1,000 cases with a
 * fresh seed.
 */
class RelayDifferentialFuzzTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CASES = Integer.getInteger("mailrelay.relayfuzz.cases", 100);
    private static final long SEED = seed(System.getProperty("mailrelay.relayfuzz.seed", "20261202"));
    /** At most this many kinds of difference are minimised and printed. */
    private static final int REPORTED = 8;

    static final List<String> OFFERABLE = List.of("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1",
            "SCRAM-SHA-256", "NTLM", "ANONYMOUS", "GSSAPI", "XOAUTH2", "X-UNKNOWN");
    static final List<String> FILTERS = List.of("plain", "plain,login", "login", "PLAIN", "cram-md5,digest-md5",
            "!plain,!login,static:all", "!cram-md5,static:rest", "scram-sha-256,plain", "!ntlm,static:all", "xoauth2");
    static final List<String> SECURITY_WORDS = List.of("noplaintext", "noanonymous", "noactive", "nodictionary",
            "mutual_auth");
    static final List<String> VERDICTS = List.of("235 2.7.0 Authentication successful",
            "535 5.7.8 Error: authentication failed: authentication failure",
            "454 4.7.0 Temporary authentication failure: generic failure",
            "504 5.5.4 Unsupported authentication mechanism", "530 5.7.0 Must issue a STARTTLS command first",
            "334 bm90IGRvbmU=", "334 %%%");

    @TempDir
    static Path temp;
    private static RecordingUpstream upstream;
    private static List<DeliberateDifferences.RelayEntry> listed;
    private static final AtomicInteger BATCHES = new AtomicInteger();

    @BeforeAll
    static void start() {
        Tools.postfix();
        upstream = RecordingUpstream.start(temp.resolve("isp-tls"));
        listed = DeliberateDifferences.relayEntries();
    }

    @AfterAll
    static void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private static long seed(String value) {
        return value.equals("random") ? new Random().nextLong() : Long.parseLong(value);
    }

    /**
     * One case: relay parameters (name -> value, in order), password map lines (the upstream's
     * {@code [127.0.0.1]:port} written as {@code NEXTHOP}), the envelope sender and the offer.
     */
    record Case(long seed, Map<String, String> params, List<String> passwords, String sender,
                RecordingUpstream.Offer offer) {

        static Case draw(long seed) {
            Random r = new Random(seed);
            Map<String, String> p = new LinkedHashMap<>();
            p.put("smtp_sasl_auth_enable", r.nextInt(8) == 0 ? "no" : "yes");
            if (r.nextBoolean()) {
                p.put("smtp_sasl_mechanism_filter", r.nextInt(5) == 0 ? "" : FILTERS.get(r.nextInt(FILTERS.size())));
            }
            if (r.nextInt(3) > 0) {
                // SASL_README's usual setting half the time, so that PLAIN and LOGIN get chosen too
                p.put("smtp_sasl_security_options", r.nextBoolean() ? "noanonymous" : security(r));
            }
            if (r.nextInt(3) == 0) {
                p.put("smtp_sasl_tls_security_options", security(r));
            }
            if (r.nextBoolean()) {
                p.put("smtp_sasl_auth_soft_bounce", r.nextBoolean() ? "yes" : "no");
            }
            if (r.nextInt(3) > 0) {
                p.put("smtp_tls_security_level", List.of("none", "may", "encrypt", "").get(r.nextInt(4)));
            }
            boolean senderDependent = r.nextInt(4) == 0;
            if (senderDependent) {
                p.put("smtp_sender_dependent_authentication", "yes");
            }
            List<String> passwords = new ArrayList<>();
            String value = List.of("relay@isp.example:relaypw", "relay@isp.example:relaypw", "relay@isp.example",
                    "relay@isp.example:", "relay@isp.example:pass:with:colons").get(r.nextInt(5));
            switch (r.nextInt(10)) {
                case 0, 1, 2, 3, 4 -> passwords.add("NEXTHOP " + value);
                case 5, 6 -> passwords.add("127.0.0.1 " + value);
                case 7 -> passwords.add("[127.0.0.1] " + value);   // matches neither host nor next hop
                default -> { } // no entry for the ISP
            }
            String sender = "me@box.example.com";
            if (senderDependent) {
                passwords.add(0, "her@box.example.com her@isp.example:herpw");
                if (r.nextBoolean()) {
                    passwords.add("@box.example.com dom@isp.example:dompw");
                }
                sender = List.of("her@box.example.com", "other@box.example.com", "").get(r.nextInt(3));
            }
            List<String> mechs = new ArrayList<>();
            int n = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                String m = OFFERABLE.get(r.nextInt(OFFERABLE.size()));
                if (!mechs.contains(m)) {
                    mechs.add(m);
                }
            }
            String lines = List.of("AUTH", "AUTH", "AUTH=", "AUTH AUTH=", "AUTH= AUTH").get(r.nextInt(5));
            String tls = List.of("none", "none", "may", "authonly").get(r.nextInt(4));
            return new Case(seed, p, passwords, sender, new RecordingUpstream.Offer(mechs, lines, tls,
                    VERDICTS.get(r.nextBoolean() ? r.nextInt(3) : r.nextInt(VERDICTS.size()))));
        }

        private static String security(Random r) {
            List<String> words = new ArrayList<>();
            for (String w : SECURITY_WORDS) {
                if (r.nextInt(3) == 0) {
                    words.add(w);
                }
            }
            return String.join(",", words);
        }

        Case with(Map<String, String> fewer, List<String> passwords, RecordingUpstream.Offer offer) {
            return new Case(seed, fewer, passwords, sender, offer);
        }

        /** The case as a paste-ready main.cf fragment, password map and offer. */
        String describe() {
            StringBuilder b = new StringBuilder("case seed ").append(seed).append('\n');
            b.append("  # main.cf (with relayhost = [127.0.0.1]:port, smtp_sasl_password_maps = texthash:sasl_passwd)\n");
            params.forEach((k, v) -> b.append("  ").append(k).append(" = ").append(v.replace(",", ", ")).append('\n'));
            b.append("  # sasl_passwd (NEXTHOP = [127.0.0.1]:port)\n");
            passwords.forEach(l -> b.append("  ").append(l).append('\n'));
            b.append("  # envelope sender <").append(sender).append(">\n");
            b.append("  # upstream: ").append(offer.describe()).append('\n');
            return b.toString();
        }
    }

    /** What one client did with a case: the upstream's record and the delivery status. */
    record Result(String auth, String status) {
        String summary() {
            return "auth=" + auth + " | " + status;
        }
    }

    /** A case's two results and the difference, if any is not listed. */
    record Outcome(Case c, Result postfix, Result harness) {
        boolean differs() {
            return !postfix.equals(harness) && listed.stream().noneMatch(e -> e.matches(c.describe(),
                    postfix.summary(), harness.summary()));
        }

        /** The kind of difference: which parts differ and the two statuses' leading words. */
        String kind() {
            return (postfix.auth().equals(harness.auth()) ? "" : "auth ")
                    + (postfix.status().equals(harness.status()) ? "" : "status ")
                    + "Postfix " + head(postfix) + ", harness " + head(harness);
        }

        private static String head(Result r) {
            String[] w = r.status().split(" ");
            return r.auth().split(" ")[0] + " " + w[0] + " " + (w.length > 1 ? w[1] : "");
        }
    }

    @Test
    void everyRelayOutcomeAsPostfixOrListed() throws Exception {
        System.out.printf("RelayDifferentialFuzzTest: %d cases, seed %d (-Dmailrelay.relayfuzz.seed=%d repeats them)%n",
                CASES, SEED, SEED);
        Random master = new Random(SEED);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            cases.add(Case.draw(master.nextLong()));
        }
        Path out = Path.of("target", "relay-fuzz-report.txt");
        Files.deleteIfExists(out);
        List<Outcome> all = new ArrayList<>();
        // Batches of at most 250 cases: one private Postfix each.
        for (int from = 0; from < cases.size(); from += 250) {
            all.addAll(run(cases.subList(from, Math.min(cases.size(), from + 250))));
        }
        List<Outcome> differing = all.stream().filter(Outcome::differs).toList();
        // What Postfix did, so that a run shows what it covered.
        System.out.printf("RelayDifferentialFuzzTest: %d of %d cases differ unlisted; Postfix's mechanisms %s, statuses %s%n",
                differing.size(), CASES,
                new java.util.TreeMap<>(all.stream().collect(Collectors.groupingBy(o -> o.postfix().auth().split(" ")[0],
                        Collectors.counting()))),
                new java.util.TreeMap<>(all.stream().collect(Collectors.groupingBy(o -> o.postfix().status().split(" ")[0],
                        Collectors.counting()))));
        if (differing.isEmpty()) {
            return;
        }
        Map<String, List<Outcome>> kinds = new LinkedHashMap<>();
        differing.forEach(o -> kinds.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
        StringBuilder report = new StringBuilder();
        report.append(differing.size()).append(" of ").append(CASES).append(" relay cases differ from Postfix (seed ")
                .append(SEED).append("), ").append(kinds.size())
                .append(" kinds; neither fixed nor listed in the README's deliberate differences:\n");
        int reported = 0;
        for (Map.Entry<String, List<Outcome>> kind : kinds.entrySet()) {
            report.append("\n=== ").append(kind.getKey()).append(" (").append(kind.getValue().size()).append(" cases)\n");
            if (reported++ < REPORTED) {
                Outcome o = Boolean.getBoolean("mailrelay.relayfuzz.nominimise") ? kind.getValue().get(0)
                        : minimise(kind.getValue().get(0));
                report.append(o.c().describe()).append("  Postfix: ").append(o.postfix().summary())
                        .append("\n  harness: ").append(o.harness().summary()).append('\n');
            }
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        fail(report.toString());
    }

    /**
     * Greedy minimisation: each round runs every one-step simplification of the case (drop a
     * parameter, a password line or an offered mechanism; plain AUTH line; no STARTTLS) as one batch
     * and keeps the first that still differs alike, until none does.
     */
    static Outcome minimise(Outcome failing) {
        String kind = failing.kind();
        Outcome best = failing;
        for (int round = 0; round < 20; round++) {
            List<Case> candidates = simpler(best.c());
            if (candidates.isEmpty()) {
                break;
            }
            Outcome next;
            try {
                next = run(candidates).stream().filter(o -> o.differs() && o.kind().equals(kind)).findFirst()
                        .orElse(null);
            } catch (AssertionError e) {
                // a batch that failed to run: report what was minimised so far
                System.out.println("RelayDifferentialFuzzTest: minimising stopped: " + e.getMessage());
                next = null;
            }
            if (next == null) {
                break;
            }
            best = next;
        }
        return best;
    }

    private static List<Case> simpler(Case c) {
        List<Case> out = new ArrayList<>();
        for (String k : c.params().keySet()) {
            Map<String, String> fewer = new LinkedHashMap<>(c.params());
            fewer.remove(k);
            out.add(c.with(fewer, c.passwords(), c.offer()));
        }
        for (int i = 0; i < c.passwords().size(); i++) {
            List<String> fewer = new ArrayList<>(c.passwords());
            fewer.remove(i);
            out.add(c.with(c.params(), fewer, c.offer()));
        }
        RecordingUpstream.Offer o = c.offer();
        for (int i = 0; i < o.mechanisms().size(); i++) {
            List<String> fewer = new ArrayList<>(o.mechanisms());
            fewer.remove(i);
            out.add(c.with(c.params(), c.passwords(), new RecordingUpstream.Offer(fewer, o.authLines(), o.tls(), o.verdict())));
        }
        if (!o.authLines().equals("AUTH")) {
            out.add(c.with(c.params(), c.passwords(), new RecordingUpstream.Offer(o.mechanisms(), "AUTH", o.tls(), o.verdict())));
        }
        if (!o.tls().equals("none")) {
            out.add(c.with(c.params(), c.passwords(), new RecordingUpstream.Offer(o.mechanisms(), o.authLines(), "none",
                    o.verdict())));
        }
        return out;
    }

    /** Runs a batch: all cases through one fresh private Postfix, and each through its own harness relay. */
    static List<Outcome> run(List<Case> cases) {
        int batch = BATCHES.incrementAndGet();
        Path dir = temp.resolve("batch-" + batch);
        String nexthop = "[127.0.0.1]:" + upstream.port();
        Map<String, Case> ids = new LinkedHashMap<>();
        StringBuilder transports = new StringBuilder();
        StringBuilder masterCf = new StringBuilder();
        try {
            Files.createDirectories(dir.resolve("maps"));
            // Postfix's daemons read the maps as the postfix user.
            for (Path open : List.of(temp, dir, dir.resolve("maps"))) {
                Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            for (Case c : cases) {
                String id = "b" + batch + "c" + ids.size();
                ids.put(id, c);
                upstream.offer(id, c.offer());
                Path passwd = dir.resolve("maps/" + id + "-passwd");
                Files.writeString(passwd, c.passwords().stream().map(l -> l.replace("NEXTHOP", nexthop) + "\n")
                        .collect(Collectors.joining()));
                // as SASL_README advises; Postfix's smtp opens it as root before dropping privileges
                Files.setPosixFilePermissions(passwd, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                transports.append(id).append(".example ").append(id).append(':').append(nexthop).append('\n');
                masterCf.append(id).append(" unix - - n - - smtp -o smtp_helo_name=").append(id)
                        .append("-postfix.relay.example -o smtp_sasl_password_maps=texthash:").append(passwd);
                c.params().forEach((k, v) -> masterCf.append(" -o ").append(k).append('=').append(v));
                masterCf.append('\n');
            }
            Files.writeString(dir.resolve("maps/transport"), transports);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Result> postfix = new LinkedHashMap<>();
        Map<String, Result> harness = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (PrivatePostfix pf = PrivatePostfix.start(dir.resolve("postfix"), """
                myhostname = box.example.com
                mydomain = example.com
                mydestination = box.example.com
                mynetworks = 127.0.0.0/8
                default_transport = smtp
                relay_transport = smtp
                transport_maps = texthash:%s
                smtp_connection_cache_on_demand = no
                """.formatted(dir.resolve("maps/transport")), Map.of("in", ""), Map.of(), "PLAIN", masterCf.toString())) {
            List<Future<?>> running = new ArrayList<>();
            ids.forEach((id, c) -> running.add(pool.submit(() -> harness.put(id, runHarness(id, c, dir, nexthop)))));
            Map<String, String> queueIds = new LinkedHashMap<>();
            ids.forEach((id, c) -> queueIds.put(id, inject(pf.port("in"), c.sender(), "friend@" + id + ".example")));
            for (Map.Entry<String, String> q : queueIds.entrySet()) {
                String line = pf.awaitMaillog(l -> l.contains(q.getValue() + ": to=<friend@" + q.getKey() + ".example>")
                        && l.contains("status="), WAIT);
                postfix.put(q.getKey(), new Result(auth(q.getKey() + "-postfix"), postfixStatus(line)));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (Exception e) {
            throw new AssertionError("batch " + batch + " failed", e);
        } finally {
            pool.shutdownNow();
        }
        List<Outcome> outcomes = new ArrayList<>();
        ids.forEach((id, c) -> outcomes.add(new Outcome(c, postfix.get(id), harness.get(id))));
        return outcomes;
    }

    private static String auth(String client) {
        RecordingUpstream.Recorded r = upstream.recorded(client);
        return r == null ? "(nothing)" : r.auth() + (r.tlsAtAuth() ? " (TLS)" : "")
                // SIZE counts the headers each adds (Received:, Message-ID:...), not under test here
                + (r.mailFrom() == null ? "" : " mail from " + r.mailFrom().replaceAll(" SIZE=\\d+", ""));
    }

    private static final Pattern POSTFIX_STATUS = Pattern.compile("dsn=(\\S+), status=(\\w+) \\((.*)\\)$");

    private static String postfixStatus(String line) {
        Matcher m = POSTFIX_STATUS.matcher(line);
        if (!m.find()) {
            return "unparsed: " + line;
        }
        return m.group(2) + " " + m.group(1) + " " + m.group(3);
    }

    /** One harness relay instance with the case's parameters; its first delivery attempt. */
    private static Result runHarness(String id, Case c, Path dir, String nexthop) {
        StringBuilder mainCf = new StringBuilder("""
                myhostname = box.example.com
                mydomain = example.com
                mydestination = box.example.com
                mynetworks = 127.0.0.0/8
                smtp_connection_cache_on_demand = no
                """);
        mainCf.append("relayhost = ").append(nexthop).append('\n');
        mainCf.append("smtp_helo_name = ").append(id).append("-harness.relay.example\n");
        mainCf.append("smtp_sasl_password_maps = texthash:").append(dir.resolve("maps/" + id + "-passwd")).append('\n');
        c.params().forEach((k, v) -> mainCf.append(k).append(" = ").append(v).append('\n'));
        String rcpt = "friend@" + id + ".example";
        try (Harness h = Harness.start(List.of(InstanceConfig.named("relay").directory(dir.resolve("harness-" + id))
                .mainCf(mainCf.toString()).masterCf("smtp inet n - n - - smtpd")), true)) {
            Instance relay = h.instance("relay");
            inject(relay.port("smtp"), c.sender(), rcpt);
            DeliveryAttempt d = relay.capture().awaitDelivery(a -> a.recipients().contains(rcpt), WAIT);
            return new Result(auth(id + "-harness"), d.status().word() + " " + d.dsn() + " " + d.reply());
        } catch (RuntimeException e) {
            return new Result("(harness failed)", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    /** Submits one message; returns the queue id. */
    private static String inject(int port, String sender, String rcpt) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null, 30_000)) {
            d.greeting();
            d.send("EHLO client.example.net");
            List<String> mail = d.send("MAIL FROM:<" + sender + ">");
            List<String> to = d.send("RCPT TO:<" + rcpt + ">");
            d.send("DATA");
            List<String> queued = d.send("From: <" + sender + ">\r\nTo: <" + rcpt + ">\r\nSubject: relay fuzz\r\n\r\nhello\r\n.");
            d.send("QUIT");
            String q = queued.get(0);
            if (!q.startsWith("250 ")) {
                throw new AssertionError("injection refused: " + mail + " " + to + " " + queued);
            }
            return q.substring(q.lastIndexOf(' ') + 1);
        }
    }
}
