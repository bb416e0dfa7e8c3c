package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential fuzzing of smtpd: sessions drawn from {@link SmtpSessionGrammar} with a seed go to a
 * private Postfix 3.7 + Cyrus and to the harness, both started by {@link PostfixTwin} with the same
 * parameters in several configurations (one {@code master.cf} service each); every reply line must be
 * equal after masking ({@link DialogScript#mask}: codes, enhanced codes and texts), unless the README
 * lists the difference ({@link DeliberateDifferences}). A differing session is minimised (delta
 * debugging on its steps) and printed as a {@link PostfixFidelityTest} dialog.
 *
 * <p>{@code -Dmailrelay.smtpfuzz.sessions=N} (default 300), {@code -Dmailrelay.smtpfuzz.seed=S}
 * (default fixed; {@code random} draws one and prints it); {@code mvn -Plong} runs 10,000 sessions
 * with a fresh seed.
 */
class SmtpdDifferentialFuzzTest {

    /** SASL_README's server: AUTH for clients outside mynetworks, relay only after AUTH. */
    static final String MAIN_CF = """
            myhostname = mail.example.com
            mydomain = example.com
            mydestination = $myhostname, $mydomain, localhost
            mynetworks = 10.0.0.0/8
            smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
            smtpd_sasl_auth_enable = yes
            smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
            message_size_limit = 10240000
            smtpd_error_sleep_time = 0
            """;
    static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1",
            "SCRAM-SHA-256");

    /** The configurations: master.cf service -> overrides; those ending in "tls" serve STARTTLS. */
    static final Map<String, String> SERVICES = new LinkedHashMap<>();

    static {
        SERVICES.put("readme", "");
        SERVICES.put("broken", "-o broken_sasl_auth_clients=yes");
        SERVICES.put("strict", "-o strict_rfc821_envelopes=yes -o smtpd_helo_required=yes");
        SERVICES.put("mynetworks", "-o mynetworks=127.0.0.0/8 -o smtpd_relay_restrictions=permit_mynetworks,reject");
        SERVICES.put("defer", "-o smtpd_relay_restrictions=permit_sasl_authenticated,defer_unauth_destination");
        SERVICES.put("noauth", "-o smtpd_sasl_auth_enable=no -o mynetworks=127.0.0.0/8");
        SERVICES.put("limits", "-o smtpd_soft_error_limit=2 -o smtpd_hard_error_limit=5 -o smtpd_junk_command_limit=4");
        // BDAT chunks and DATA beyond message_size_limit (the grammar's chunks reach 1,100 bytes).
        SERVICES.put("small", "-o message_size_limit=1000");
    }

    private static final int SESSIONS = Integer.getInteger("mailrelay.smtpfuzz.sessions", 300);
    private static final long SEED = seed(System.getProperty("mailrelay.smtpfuzz.seed", "20260518"));
    /** At most this many kinds of difference are minimised and printed. */
    private static final int REPORTED = 20;

    @TempDir
    static Path temp;
    private static PostfixTwin twin;
    private static DeliberateDifferences listed;

    @BeforeAll
    static void start() {
        Path[] pem = PrivatePostfix.selfSignedCertificate(temp.resolve("tls"), "mail.example.com");
        String tls = "-o smtpd_tls_security_level=may -o smtpd_tls_cert_file=" + pem[0] + " -o smtpd_tls_key_file=" + pem[1];
        SERVICES.put("tls", tls);
        SERVICES.put("authonlytls", tls + " -o smtpd_tls_auth_only=yes");
        twin = PostfixTwin.start(temp, MAIN_CF, SERVICES, Map.of(SmtpSessionGrammar.USER, SmtpSessionGrammar.PASSWORD,
                "bob@example.com", "bobpw"), String.join(" ", MECHANISMS));
        listed = DeliberateDifferences.fromReadme();
    }

    @AfterAll
    static void stop() {
        if (twin != null) {
            twin.close();
        }
    }

    private static long seed(String value) {
        return value.equals("random") ? new Random().nextLong() : Long.parseLong(value);
    }

    /** One drawn session: its own seed (drawn from the run's), its configuration and its steps. */
    record Session(long seed, String service, List<SmtpSessionGrammar.Step> steps) {
        static Session draw(long seed) {
            Random r = new Random(seed);
            List<String> services = new ArrayList<>(SERVICES.keySet());
            String service = services.get(r.nextInt(services.size()));
            return new Session(seed, service, new SmtpSessionGrammar(MECHANISMS, service.endsWith("tls")).session(r));
        }

        Session with(List<SmtpSessionGrammar.Step> fewer) {
            return new Session(seed, service, fewer);
        }
    }

    /** What both servers answered, and the first unlisted difference. */
    record Outcome(Session session, DialogScript postfix, DialogScript harness, Optional<String> difference) {
        /** The kind of difference: verb, then both first reply lines' codes. */
        String kind() {
            int i = 0;
            while (i < Math.min(postfix.exchanges.size(), harness.exchanges.size())
                    && postfix.exchanges.get(i).equals(harness.exchanges.get(i))) {
                i++;
            }
            String verb = i < postfix.exchanges.size() ? postfix.exchanges.get(i).command().split(" ", 2)[0] : "?";
            return verb + ": Postfix " + codes(postfix, i) + ", harness " + codes(harness, i);
        }

        private static String codes(DialogScript s, int i) {
            if (i >= s.exchanges.size()) {
                return "(none)";
            }
            String line = s.exchanges.get(i).reply().get(s.exchanges.get(i).reply().size() - 1);
            String[] words = line.split(" ");
            return words.length > 1 && words[1].matches("\\d\\.\\d+\\.\\d+") ? words[0] + " " + words[1] : words[0];
        }
    }

    @Test
    void everyReplyAsPostfixOrListed() throws Exception {
        System.out.printf("SmtpdDifferentialFuzzTest: %d sessions, seed %d (-Dmailrelay.smtpfuzz.seed=%d repeats them)%n",
                SESSIONS, SEED, SEED);
        Random master = new Random(SEED);
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            sessions.add(Session.draw(master.nextLong()));
        }
        List<Outcome> differing = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (Session s : sessions) {
                outcomes.add(pool.submit(() -> run(s)));
            }
            for (Future<Outcome> f : outcomes) {
                Outcome o = f.get();
                if (o.difference().isPresent()) {
                    differing.add(o);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (differing.isEmpty()) {
            return;
        }
        Map<String, List<Outcome>> kinds = new LinkedHashMap<>();
        differing.forEach(o -> kinds.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
        StringBuilder report = new StringBuilder();
        report.append(differing.size()).append(" of ").append(SESSIONS).append(" sessions differ from Postfix ")
                .append(twin.postfixVersion()).append(" (seed ").append(SEED).append("), ").append(kinds.size())
                .append(" kinds; neither fixed nor listed in the README's deliberate differences:\n");
        int reported = 0;
        for (Map.Entry<String, List<Outcome>> kind : kinds.entrySet()) {
            report.append("\n=== ").append(kind.getKey()).append(" (").append(kind.getValue().size()).append(" sessions)\n");
            if (reported++ < REPORTED) {
                report.append(describe(minimise(kind.getValue().get(0))));
            }
        }
        Path out = Path.of("target", "smtpd-fuzz-report.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        fail(report.toString());
    }

    /** Runs a session against both servers. */
    private static Outcome run(Session session) {
        DialogScript postfix = run(session, twin.postfixPort(session.service()));
        DialogScript harness = run(session, twin.harnessPort(session.service()));
        return new Outcome(session, postfix, harness, listed.firstDifference(postfix.exchanges, harness.exchanges));
    }

    private static DialogScript run(Session session, int port) {
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null, 5_000)) {
            DialogScript s = new DialogScript(d);
            s.record("(connect)", d.greeting());
            try {
                session.steps().forEach(step -> step.action().accept(s));
                s.send("QUIT");
            } catch (AssertionError | RuntimeException e) {
                // A failed TLS handshake and the like: one more exchange, so that both are compared.
                s.record("(client error)", List.of(String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
            }
            return s;
        }
    }

    /**
     * Delta debugging (ddmin) on the steps: the smallest list found that still differs unlisted in the
     * same way ({@link Outcome#kind()}), and 1-minimal (no single step can go).
     */
    static Outcome minimise(Outcome failing) {
        String kind = failing.kind();
        Predicate<List<SmtpSessionGrammar.Step>> differs = steps -> {
            Outcome o = run(failing.session().with(steps));
            return o.difference().isPresent() && o.kind().equals(kind);
        };
        List<SmtpSessionGrammar.Step> steps = failing.session().steps();
        int n = 2;
        while (steps.size() >= 1) {
            int chunk = (steps.size() + n - 1) / n;
            boolean reduced = false;
            for (int from = 0; from < steps.size(); from += chunk) {
                List<SmtpSessionGrammar.Step> rest = new ArrayList<>(steps.subList(0, from));
                rest.addAll(steps.subList(Math.min(steps.size(), from + chunk), steps.size()));
                if (differs.test(rest)) {
                    steps = rest;
                    n = Math.max(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (chunk == 1) {
                    break;
                }
                n = Math.min(steps.size(), n * 2);
            }
        }
        Outcome minimal = run(failing.session().with(steps));
        return minimal.difference().isPresent() && minimal.kind().equals(kind) ? minimal : failing;
    }

    /** The session as a dialog to paste into {@link PostfixFidelityTest#dialogs()}, with both transcripts. */
    static String describe(Outcome o) {
        StringBuilder b = new StringBuilder();
        b.append("service \"").append(o.session().service()).append("\" (").append(SERVICES.get(o.session().service()))
                .append("), session seed ").append(o.session().seed()).append('\n');
        b.append(o.difference().orElse("")).append('\n');
        b.append("new Dialog(\"fuzz: ").append(o.session().seed()).append("\", \"").append(o.session().service())
                .append("\", s -> {\n");
        o.session().steps().forEach(step -> b.append("    ").append(step.java()).append('\n'));
        b.append("}),\n--- Postfix:\n");
        o.postfix().transcript.forEach(l -> b.append("  ").append(l).append('\n'));
        b.append("--- harness:\n");
        o.harness().transcript.forEach(l -> b.append("  ").append(l).append('\n'));
        return b.toString();
    }
}
