package dev.mailrelay.bench;

import com.icegreen.greenmail.util.GreenMail;
import dev.mailrelay.master.Harness;
import dev.mailrelay.it.ExternalProcess;
import dev.mailrelay.it.LargeMessages;
import dev.mailrelay.it.PrivatePostfix;
import dev.mailrelay.master.Instance;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark of issue 8: start-up, ingest, relay end to end, memory and await latency, each side
 * by side with a peer measured in the same run, printed as one table. Not a test: run it with
 * {@code mvn -B -q -Pbench -pl it -am verify} (see README, "Performance").
 */
public final class Bench {

    private record Row(String figure, String harness, String peer, String ratio, String target, String met) {
    }

    private static final List<Row> ROWS = new ArrayList<>();
    private static final List<String> NOTES = new ArrayList<>();
    private static final Duration WAIT = Duration.ofSeconds(120);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        long begin = System.nanoTime();
        // One section, several separated by commas, or all.
        List<String> only = List.of((args.length > 0 ? args[0] : "all").split(","));
        String machine = machine();
        System.out.println(machine);
        if (only.contains("all") || only.contains("startup")) {
            startup();
        }
        if (only.contains("all") || only.contains("suite")) {
            suite();
        }
        if (only.contains("all") || only.contains("ingest")) {
            ingest();
        }
        if (only.contains("all") || only.contains("relay")) {
            relay();
        }
        if (only.contains("all") || only.contains("memory")) {
            memory();
        }
        if (only.contains("all") || only.contains("latency")) {
            latency();
        }
        if (only.contains("all") || only.contains("large")) {
            large();
        }
        if (only.contains("all") || only.contains("limits")) {
            limits();
        }
        StringBuilder out = new StringBuilder();
        out.append("mailrelay benchmark, ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append("\n\n").append(machine).append("load average at the end: ").append(loadAverage()).append("\n\n");
        out.append("| figure | harness | peer | ratio | target | met |\n|---|---|---|---|---|---|\n");
        for (Row r : ROWS) {
            out.append("| ").append(String.join(" | ", r.figure, r.harness, r.peer, r.ratio, r.target, r.met)).append(" |\n");
        }
        out.append('\n');
        for (String n : NOTES) {
            out.append("- ").append(n).append('\n');
        }
        out.append(String.format(Locale.ROOT, "%nWhole run: %.0f s.%n", (System.nanoTime() - begin) / 1e9));
        System.out.println();
        System.out.print(out);
        Path file = Path.of(System.getProperty("bench.out", "target/bench-results.md"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, out);
        System.out.println("(also written to " + file.toAbsolutePath() + ")");
        System.exit(0);
    }

    // ---- machine --------------------------------------------------------------------------

    private static String machine() {
        String cpu = "unknown";
        String mem = "unknown";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> String.format(Locale.ROOT, "%.1f GB",
                            Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).findFirst().orElse("unknown");
        } catch (IOException e) {
            // not Linux: say unknown
        }
        return "Machine: nproc=" + Runtime.getRuntime().availableProcessors() + ", CPU " + cpu + ", memory " + mem
                + ", JDK " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", heap max " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + "\nload average at the start: " + loadAverage()
                + " (other builds may share the machine: absolute figures are noisy, ratios are measured in the same run)\n";
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private static void row(String figure, String harness, String peer, double ratio, String target, Boolean met) {
        // A ratio to a peer figure at or below zero (a waiter woke before the 250) says nothing.
        ratio = Double.isFinite(ratio) && ratio > 0 ? ratio : Double.NaN;
        ROWS.add(new Row(figure, harness, peer, Double.isNaN(ratio) ? "n/a" : fmt(ratio) + "x", target,
                met == null ? "" : met ? "met" : "**NOT MET**"));
        System.out.println("  " + figure + ": harness " + harness + ", peer " + peer
                + (Double.isNaN(ratio) ? "" : ", ratio " + fmt(ratio)) + (met == null ? "" : met ? " (met)" : " (NOT MET)"));
    }

    static String fmt(double d) {
        return d >= 100 ? String.format(Locale.ROOT, "%.0f", d) : d >= 10 ? String.format(Locale.ROOT, "%.1f", d)
                : String.format(Locale.ROOT, "%.2f", d);
    }

    static double median(double[] v) {
        return percentile(v, 50);
    }

    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    // ---- start-up -------------------------------------------------------------------------

    private static void startup() throws Exception {
        System.out.println("== start-up");
        int coldSamples = Integer.getInteger("bench.coldSamples", 5);
        double[][] cold = new double[3][coldSamples];
        double[][] coldCpu = new double[3][coldSamples];
        double[][] coldClasses = new double[3][coldSamples];
        String[] kinds = {"server", "relay", "greenmail"};
        for (int i = 0; i < coldSamples; i++) {
            for (int k = 0; k < kinds.length; k++) {
                long[] wallAndCpu = coldStart(kinds[k]);
                cold[k][i] = ms(wallAndCpu[0]);
                coldCpu[k][i] = ms(wallAndCpu[1]);
                coldClasses[k][i] = wallAndCpu[2];
            }
        }
        int warmSamples = 30;
        double[][] warm = new double[3][warmSamples];
        for (int i = -5; i < warmSamples; i++) {
            for (int k = 0; k < 3; k++) {
                long t0 = System.nanoTime();
                AutoCloseable c = switch (k) {
                    case 0 -> Topologies.startServer();
                    case 1 -> Topologies.startRelay();
                    default -> {
                        GreenMail g = Topologies.startGreenMail();
                        yield g::stop;
                    }
                };
                long t1 = System.nanoTime();
                c.close();
                if (i >= 0) {
                    warm[k][i] = ms(t1 - t0);
                }
            }
        }
        double gmCold = median(cold[2]);
        double gmWarm = median(warm[2]);
        double gmCpu = median(coldCpu[2]);
        row("cold start, SASL server (ms, median of " + coldSamples + " fresh JVMs)", fmt(median(cold[0])), fmt(gmCold)
                + " (GreenMail SMTP)", median(cold[0]) / gmCold, "<= 0.8x GreenMail", median(cold[0]) <= 0.8 * gmCold);
        row("cold start, relay + upstream, STARTTLS + AUTH (ms, median of " + coldSamples + " fresh JVMs)",
                fmt(median(cold[1])), fmt(gmCold) + " (GreenMail SMTP)", median(cold[1]) / gmCold, "<= GreenMail",
                median(cold[1]) <= gmCold);
        row("cold start, SASL server: process CPU time when ready (ms, median)", fmt(median(coldCpu[0])),
                fmt(gmCpu) + " (GreenMail SMTP)", median(coldCpu[0]) / gmCpu, "", null);
        row("cold start, relay + upstream: process CPU time when ready (ms, median)", fmt(median(coldCpu[1])),
                fmt(gmCpu) + " (GreenMail SMTP)", median(coldCpu[1]) / gmCpu, "", null);
        double gmClasses = median(coldClasses[2]);
        row("cold start, SASL server: classes loaded when ready (median)", fmt(median(coldClasses[0])),
                fmt(gmClasses) + " (GreenMail SMTP)", median(coldClasses[0]) / gmClasses, "", null);
        row("cold start, relay + upstream: classes loaded when ready (median)", fmt(median(coldClasses[1])),
                fmt(gmClasses) + " (GreenMail SMTP)", median(coldClasses[1]) / gmClasses, "", null);
        row("warm start, SASL server (ms, median / p90 of " + warmSamples + ")",
                fmt(median(warm[0])) + " / " + fmt(percentile(warm[0], 90)),
                fmt(gmWarm) + " / " + fmt(percentile(warm[2], 90)) + " (GreenMail SMTP)", median(warm[0]) / gmWarm, "", null);
        row("warm start, relay + upstream (ms, median / p90 of " + warmSamples + ")",
                fmt(median(warm[1])) + " / " + fmt(percentile(warm[1], 90)),
                fmt(gmWarm) + " / " + fmt(percentile(warm[2], 90)) + " (GreenMail SMTP)", median(warm[1]) / gmWarm,
                "< 20 ms", median(warm[1]) < 20);
        NOTES.add("Start-to-ready: from the first line of main (cold; the JVM itself is already up) or from the call "
                + "(warm) until Harness.start/GreenMail.start returned and a client has read every listener's 220 "
                + "greeting. Cold samples run in fresh JVMs (same classpath, interleaved harness/GreenMail), warm ones "
                + "after 5 unmeasured starts in the benchmark JVM. The CPU rows are the cold JVM's whole CPU time "
                + "(JVM start, JIT and GC threads included) when ready, and the classes rows the classes loaded by "
                + "then (ClassLoadingMXBean; the JVM's own and the measurement's included): other load on the "
                + "machine moves them much less than the wall times.");
    }

    /** Wall and CPU nanoseconds and classes loaded of one cold start (ColdStart's COLD line). */
    private static long[] coldStart(String kind) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ColdStart.class.getName(), kind)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("COLD ")) {
                    String[] f = line.substring(5).strip().split(" ");
                    long[] nanos = {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                    return nanos;
                }
            }
        } finally {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        throw new IllegalStateException("cold start of " + kind + " printed no COLD line (exit " + p.exitValue() + ")");
    }

    // ---- test suites ----------------------------------------------------------------------

    private static void suite() throws Exception {
        System.out.println("== test suites");
        int classes = Integer.getInteger("bench.suiteClasses", 50);
        String itRepository = System.getProperty("mailrelay.itRepository", "");
        String figure = "test suite, " + classes + " classes x 1 message, one surefire JVM";
        if (itRepository.isEmpty() || !Files.isDirectory(Path.of(itRepository, "dev/mailrelay/mailrelay-junit-extension"))) {
            row(figure, "skipped", "the invoker's install goal has not filled " + itRepository + " (run without "
                    + "-Dinvoker.skip)", Double.NaN, "", null);
            return;
        }
        SuiteBench bench = new SuiteBench(Path.of(System.getProperty("bench.suiteDir", "target/suite-bench")),
                System.getProperty("maven.home"), itRepository, System.getProperty("mailrelay.userRepository"));
        Path itParent = Path.of(System.getProperty("bench.itParent", "src/it/it-parent/pom.xml"));
        String mailrelayVersion = System.getProperty("mailrelay.version");
        String greenmailVersion = System.getProperty("greenmail.version", "2.1.2");
        Path mailrelay = bench.generate("mailrelay", classes, mailrelayVersion, greenmailVersion, itParent);
        Path perClass = bench.generate("mailrelay-per-class", classes, mailrelayVersion, greenmailVersion, itParent);
        Path greenmail = bench.generate("greenmail", classes, mailrelayVersion, greenmailVersion, itParent);
        bench.prepare(mailrelay);
        bench.prepare(perClass);
        bench.prepare(greenmail);
        // Each side runs several times, interleaved, and the run with the median wall time counts: one
        // `mvn test` on a shared machine moves by a second or more from run to run.
        int runs = Integer.getInteger("bench.suiteRuns", 3);
        List<SuiteBench.Run> gs = new ArrayList<>();
        List<SuiteBench.Run> hs = new ArrayList<>();
        List<SuiteBench.Run> cs = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            gs.add(bench.run(greenmail));
            hs.add(bench.run(mailrelay));
            cs.add(bench.run(perClass));
        }
        for (List<SuiteBench.Run> side : List.of(gs, hs, cs)) {
            for (SuiteBench.Run run : side) {
                if (run.tests() != classes) {
                    throw new IllegalStateException("expected " + classes + " tests in each run, ran " + run.tests());
                }
            }
        }
        SuiteBench.Run g = medianByWall(gs);
        SuiteBench.Run h = medianByWall(hs);
        SuiteBench.Run c = medianByWall(cs);
        String peer = " (GreenMail JUnit 5 extension)";
        String of = ", median of " + runs + " interleaved runs";
        row(figure + ", `@EnableSaslRelay(lifecycle = PER_JVM)`: `mvn test` wall time (s" + of + ")",
                fmt(h.mavenSeconds()), fmt(g.mavenSeconds()) + peer, h.mavenSeconds() / g.mavenSeconds(),
                "<= 1.2x GreenMail", h.mavenSeconds() <= 1.2 * g.mavenSeconds());
        row(figure + ", `@EnableSaslRelay(lifecycle = PER_JVM)`: sum of the test class times (s, same run)",
                fmt(h.classSeconds()), fmt(g.classSeconds()) + peer, h.classSeconds() / g.classSeconds(), "", null);
        row(figure + ", `@EnableSaslRelay` per class: `mvn test` wall time (s" + of + ")", fmt(c.mavenSeconds()),
                fmt(g.mavenSeconds()) + peer, c.mavenSeconds() / g.mavenSeconds(), "<= 1.2x GreenMail",
                c.mavenSeconds() <= 1.2 * g.mavenSeconds());
        row(figure + ", `@EnableSaslRelay` per class: sum of the test class times (s, same run)",
                fmt(c.classSeconds()), fmt(g.classSeconds()) + peer, c.classSeconds() / g.classSeconds(), "", null);
        NOTES.add("Test suites: generated Maven projects of " + classes + " test classes, one test each, run with "
                + "`mvn test` (surefire, one forked JVM) after an unmeasured `mvn test-compile`: `@EnableSaslRelay` "
                + "classes (default topology; Jakarta Mail submits with STARTTLS and AUTH to the relay, the test "
                + "waits with flush() until the ISP captured the message, relayed with STARTTLS and AUTH), once with "
                + "lifecycle = PER_JVM (what a suite of many classes uses: one harness for the run, its mail deleted "
                + "before each class) and once per class (the default: two instances started and stopped per class), "
                + "against classes with GreenMail's JUnit 5 extension (Jakarta Mail submits to its SMTP server in "
                + "plaintext; the test waits with waitForIncomingEmail). Class times are surefire's (its reports' "
                + "testsuite times: from the class's first callback to its last, including the first class's class "
                + "loading); the wall time adds Maven's own start and the forked JVM's.");
    }

    private static SuiteBench.Run medianByWall(List<SuiteBench.Run> runs) {
        List<SuiteBench.Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(SuiteBench.Run::mavenSeconds));
        return sorted.get(sorted.size() / 2);
    }

    // ---- ingest ---------------------------------------------------------------------------

    private static void ingest() throws Exception {
        System.out.println("== ingest");
        long warmMs = 500;
        long measureMs = Long.getLong("bench.ingestMillis", 1500);
        try (Harness plain = Harness.start(List.of(Topologies.server("plain", false)), true);
             Harness authed = Harness.start(List.of(Topologies.server("authed", true)), true)) {
            GreenMail gm = Topologies.startGreenMail();
            gm.setUser(Topologies.LOCAL_RCPT, Topologies.USER, Topologies.PASSWORD);
            try {
                for (boolean auth : new boolean[] {false, true}) {
                    Instance server = auth ? authed.instance("authed") : plain.instance("plain");
                    int port = server.port(auth ? "submission" : "smtp");
                    for (int size : new int[] {1024, 100 * 1024}) {
                        byte[] msg = RawSmtp.message(size, Topologies.FROM, Topologies.LOCAL_RCPT);
                        for (int conns : new int[] {1, 8}) {
                            for (boolean reuse : new boolean[] {false, true}) {
                                double h = ingestRun(port, auth, msg, conns, reuse, warmMs, measureMs, () -> {
                                    server.awaitIdle(WAIT);
                                    server.capture().reset();
                                });
                                double g = ingestRun(gm.getSmtp().getPort(), auth, msg, conns, reuse, warmMs, measureMs,
                                        () -> {
                                            try {
                                                gm.purgeEmailFromAllMailboxes();
                                            } catch (Exception e) {
                                                throw new IllegalStateException(e);
                                            }
                                        });
                                String fig = "ingest msg/s, " + (auth ? "AUTH PLAIN" : "no AUTH") + ", "
                                        + (size / 1024) + " KB, " + conns + " conn, "
                                        + (reuse ? "reused connections" : "connection per message");
                                // The targets for ingest are against smtp-sink (the smtp-source rows below).
                                row(fig, fmt(h), fmt(g) + " (GreenMail)", h / g, "", null);
                            }
                        }
                    }
                }
                smtpSourceRows(plain.instance("plain"));
            } finally {
                gm.stop();
            }
        }
        NOTES.add("Ingest: the benchmark's own raw SMTP client (one command at a time, no pipelining; EHLO, "
                + "optionally AUTH PLAIN, MAIL, RCPT, DATA) against both servers, " + warmMs + " ms warm-up then "
                + measureMs + " ms counted per cell; messages are captured (harness: and delivered locally by its "
                + "queue manager) and dropped between cells. The smtp-source rows drive both servers with Postfix's "
                + "own load generator (no AUTH; it has none).");
    }

    /** Messages per second accepted with 250 in the measured window. */
    static double ingestRun(int port, boolean auth, byte[] msg, int conns, boolean reuse, long warmMs, long measureMs,
                            Runnable cleanup) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(conns);
        long start = System.nanoTime();
        long countFrom = start + warmMs * 1_000_000;
        long end = countFrom + measureMs * 1_000_000;
        AtomicLong counted = new AtomicLong();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                fs.add(pool.submit(() -> {
                    String user = auth ? Topologies.USER : null;
                    RawSmtp c = reuse ? RawSmtp.open(port, user, Topologies.PASSWORD) : null;
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        if (reuse) {
                            c.send(Topologies.FROM, Topologies.LOCAL_RCPT, msg);
                        } else {
                            RawSmtp one = RawSmtp.open(port, user, Topologies.PASSWORD);
                            one.send(Topologies.FROM, Topologies.LOCAL_RCPT, msg);
                            one.quit();
                        }
                        long done = System.nanoTime();
                        if (done >= countFrom && done < end) {
                            counted.incrementAndGet();
                        }
                    }
                    if (c != null) {
                        c.quit();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        cleanup.run();
        return counted.get() / (measureMs / 1000.0);
    }

    private static void smtpSourceRows(Instance plain) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/smtp-source")) || !Files.isExecutable(Path.of("/usr/sbin/smtp-sink"))) {
            row("smtp-source rows", "skipped", "/usr/sbin/smtp-source or smtp-sink missing", Double.NaN, "", null);
            return;
        }
        int sinkPort = Ports.free();
        try (ExternalProcess sink = ExternalProcess.start(Path.of("."), List.of("/usr/sbin/smtp-sink", "-u", "postfix",
                "127.0.0.1:" + sinkPort, "256"))) {
            Ports.awaitListening(sinkPort, Duration.ofSeconds(10));
            for (int size : new int[] {1024, 100 * 1024}) {
                for (int conns : new int[] {1, 8}) {
                    for (boolean reuse : new boolean[] {false, true}) {
                        int n = size < 10_000 ? (conns == 1 && !reuse ? 1500 : 4000) : (conns == 1 && !reuse ? 400 : 800);
                        double h = smtpSource(plain.port("smtp"), size, conns, reuse, n);
                        plain.awaitIdle(WAIT);
                        plain.capture().reset();
                        double s = smtpSource(sinkPort, size, conns, reuse, n);
                        String fig = "smtp-source msg/s, no AUTH, " + (size / 1024) + " KB, " + conns + " conn, "
                                + (reuse ? "reused connections" : "connection per message") + ", " + n + " msgs";
                        // Issue 17's targets: >= 0.8x smtp-sink at 8 reused connections, >= 0.5x with a
                        // connection per message.
                        double target = reuse ? (conns == 8 ? 0.8 : Double.NaN) : 0.5;
                        row(fig, fmt(h), fmt(s) + " (smtp-sink)", h / s,
                                Double.isNaN(target) ? "" : ">= " + target + "x smtp-sink",
                                Double.isNaN(target) ? null : h / s >= target);
                    }
                }
            }
        }
    }

    private static double smtpSource(int port, int size, int conns, boolean reuse, int n) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/smtp-source", "-s", String.valueOf(conns), "-m",
                String.valueOf(n), "-l", String.valueOf(size), "-f", Topologies.FROM, "-t", Topologies.LOCAL_RCPT));
        if (reuse) {
            cmd.add("-d");
        }
        cmd.add("127.0.0.1:" + port);
        long t0 = System.nanoTime();
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofMinutes(3), null, cmd);
        long t1 = System.nanoTime();
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.describe());
        }
        return n / ((t1 - t0) / 1e9);
    }

    // ---- relay end to end -----------------------------------------------------------------

    private static void relay() throws Exception {
        System.out.println("== relay end to end");
        int n = Integer.getInteger("bench.relayMessages", 1000);
        int conns = 4;
        byte[] msg = RawSmtp.message(1024, Topologies.FROM, Topologies.REMOTE_RCPT);
        try (Harness h = Topologies.startRelay()) {
            Instance isp = h.instance("isp");
            Instance relay = h.instance("relay");
            relayRun(relay.port("smtp"), isp, relay, msg, 100, conns);      // warm-up
            relay.awaitIdle(WAIT);
            double harness = relayRun(relay.port("smtp"), isp, relay, msg, n, conns);
            relay.awaitIdle(WAIT);
            relay.capture().reset();
            double postfix;
            String peer;
            try (PrivatePostfix pf = startPostfixRelay(isp.port("submission"))) {
                int port = pf.port("submit");
                relayRun(port, isp, null, msg, 100, conns);           // warm-up
                postfix = relayRun(port, isp, null, msg, n, conns);
                peer = fmt(postfix) + " (Postfix " + pf.version() + "; " + isp.capture().sessions().size()
                        + " upstream connections)";
            } catch (RuntimeException | AssertionError e) {
                // Postfix not installed, not root, or it would not start: the row says so.
                postfix = Double.NaN;
                peer = "not run: " + e.getMessage();
            }
            row("relay end to end msg/s, " + n + " x 1 KB over " + conns + " reused connections, upstream AUTH + STARTTLS",
                    fmt(harness) + " (upstream connections cached)", peer, harness / postfix, ">= 20x Postfix",
                    Double.isNaN(postfix) ? null : harness / postfix >= 20);
        }
        NOTES.add("Relay end to end: the raw client submits over " + conns + " connections to the relay (the harness "
                + "relay, then a private Postfix started with postfix -c on a free loopback port, relayhost = "
                + "[127.0.0.1]:<harness upstream port>, smtp_tls_security_level = encrypt, smtp_sasl_password_maps = "
                + "texthash); the clock stops when the harness upstream (AUTH required, offered only after STARTTLS) "
                + "has captured the last message. 100 unmeasured messages warm each path first.");
    }

    /** The same relay configuration for a real Postfix, as SASL_README and SOHO_README set its client up. */
    private static PrivatePostfix startPostfixRelay(int upstreamPort) throws IOException {
        Path dir = Files.createTempDirectory("mailrelay-bench-postfix");
        Files.writeString(dir.resolve("sasl_passwd"), "[127.0.0.1]:" + upstreamPort + " " + Topologies.RELAY_USER + ":"
                + Topologies.RELAY_PASSWORD + "\n");
        return PrivatePostfix.start(dir, """
                myhostname = postfix.bench.example
                mydestination =
                mynetworks = 127.0.0.0/8
                smtpd_relay_restrictions = permit_mynetworks, reject
                default_transport = smtp
                relay_transport = relay
                relayhost = [127.0.0.1]:%d
                smtp_tls_security_level = encrypt
                smtp_sasl_auth_enable = yes
                smtp_sasl_tls_security_options = noanonymous
                smtp_sasl_password_maps = texthash:%s
                """.formatted(upstreamPort, dir.resolve("sasl_passwd")), java.util.Map.of("submit", ""),
                java.util.Map.of(), "PLAIN");
    }

    private static double relayRun(int port, Instance upstream, Instance relay, byte[] msg, int n, int conns) throws Exception {
        upstream.capture().reset();
        ExecutorService pool = Executors.newFixedThreadPool(conns);
        try {
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                int share = n / conns + (i < n % conns ? 1 : 0);
                fs.add(pool.submit(() -> {
                    try (RawSmtp c = RawSmtp.open(port, null, null)) {
                        for (int k = 0; k < share; k++) {
                            c.send(Topologies.FROM, Topologies.REMOTE_RCPT, msg);
                        }
                        c.quit();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(5, TimeUnit.MINUTES);
            }
            try {
                upstream.capture().awaitMessages(n, WAIT);
            } catch (dev.mailrelay.capture.CaptureTimeoutException e) {
                throw new IllegalStateException("relay run: " + upstream.capture().messages().size() + " of " + n
                        + " arrived; attempts that did not succeed at the relay: " + (relay == null ? "(Postfix: see its maillog)"
                        : relay.capture().deliveries().stream().filter(d -> d.status() != dev.mailrelay.capture.DeliveryAttempt.Status.SENT)
                        .map(d -> d.queueId() + " " + d.status() + " " + d.dsn() + " " + d.reply()).toList()));
            }
            long t1 = System.nanoTime();
            return n / ((t1 - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- memory ---------------------------------------------------------------------------

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void memory() throws Exception {
        System.out.println("== memory");
        int k = 10;
        Topologies.startRelay().close();                  // classes, the harness CA and TLS contexts made once
        Topologies.startGreenMail().stop();
        // Heap with k idle topologies running minus heap once they are closed: robust against garbage
        // or caches that earlier sections leave behind, which a baseline taken first would count.
        List<Harness> hs = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            hs.add(Topologies.startRelay());
        }
        long with = usedAfterGc();
        hs.forEach(Harness::close);
        double perHarness = (with - usedAfterGc()) / (double) k / 1024;
        List<GreenMail> gs = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            gs.add(Topologies.startGreenMail());
        }
        with = usedAfterGc();
        gs.forEach(GreenMail::stop);
        double perGreenMail = (with - usedAfterGc()) / (double) k / 1024;
        row("retained heap per idle harness, relay + upstream (KB, " + k + " instances)", fmt(perHarness),
                fmt(perGreenMail) + " (GreenMail SMTP)", perHarness / perGreenMail, "< 8 MB", perHarness < 8 * 1024);

        int m = 1000;
        byte[] msg = RawSmtp.message(10 * 1024, Topologies.FROM, Topologies.LOCAL_RCPT);
        double[] h = new double[3];
        double[] g = new double[3];
        try (Harness plain = Harness.start(List.of(Topologies.server("plain", false)), true)) {
            Instance srv = plain.instance("plain");
            for (int rep = 0; rep < 3; rep++) {
                srv.capture().reset();
                long before = usedAfterGc();
                try (RawSmtp c = RawSmtp.open(srv.port("smtp"), null, null)) {
                    for (int i = 0; i < m; i++) {
                        c.send(Topologies.FROM, Topologies.LOCAL_RCPT, msg);
                    }
                    c.quit();
                }
                srv.capture().awaitMessages(m, WAIT);
                srv.awaitIdle(WAIT);
                h[rep] = (usedAfterGc() - before) / (1024.0 * 1024);
            }
        }
        GreenMail gm = Topologies.startGreenMail();
        try {
            for (int rep = 0; rep < 3; rep++) {
                gm.purgeEmailFromAllMailboxes();
                long before = usedAfterGc();
                try (RawSmtp c = RawSmtp.open(gm.getSmtp().getPort(), null, null)) {
                    for (int i = 0; i < m; i++) {
                        c.send(Topologies.FROM, Topologies.LOCAL_RCPT, msg);
                    }
                    c.quit();
                }
                // GreenMail stores a message before it answers 250, so all m are there now.
                int stored = gm.getReceivedMessages().length;
                if (stored != m) {
                    throw new IllegalStateException("GreenMail holds " + stored + " messages, expected " + m);
                }
                g[rep] = (usedAfterGc() - before) / (1024.0 * 1024);
            }
        } finally {
            gm.stop();
        }
        row("retained heap per 1,000 captured 10 KB messages (MB, median of 3; one reused connection)",
                fmt(median(h)), fmt(median(g)) + " (GreenMail)", median(h) / median(g), "", null);
        NOTES.add("Memory: heap in use (MemoryMXBean) after System.gc() x3 with " + k + " idle topologies running "
                + "minus the same once they are closed, divided by " + k + " (thread stacks are not heap); per 1,000 "
                + "messages: heap after capturing 1,000 messages of 10 KB (and the queue going idle) minus heap before, "
                + "median of 3. One topology is started and stopped first so that classes, the harness CA and other "
                + "once-per-JVM state are not counted. 1,000 x 10 KB of raw content is 9.8 MB.");
    }

    // ---- large messages -------------------------------------------------------------------

    /** Issue 14's figure: five concurrent 300 MB messages against the standalone jar with -Xmx256m. */
    private static void large() throws Exception {
        System.out.println("== large messages");
        Path jar = Path.of(System.getProperty("mailrelay.standaloneJar", "../harness-core/target/mailrelay-standalone.jar"))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            NOTES.add("Large messages: not run, the standalone jar " + jar + " is missing");
            return;
        }
        Path work = Files.createTempDirectory("mailrelay-bench-large");
        try {
            LargeMessages.Outcome o = LargeMessages.run(jar, work, "-Xmx256m", 5, 300L << 20);
            long ok = o.replies().stream().filter(r -> r.startsWith("250 ")).count();
            long intact = java.util.stream.IntStream.range(0, o.sent().size())
                    .filter(i -> o.sent().get(i).equals(o.captured().get(i))).count();
            row("5 concurrent 300 MB messages, message_size_limit = 0, server JVM -Xmx256m (250 replies, captures "
                    + "intact, peak RSS)", ok + " x 250, " + intact + " of 5 intact, " + o.peakRssKb() / 1024 + " MB, "
                    + fmt(o.seconds()) + " s", "n/a (Postfix queues to disk)", Double.NaN,
                    "all 250 and intact, or all 552", o.allOrNothing());
            NOTES.add("Large messages: the standalone jar in a JVM with -Xmx256m; 5 clients stream 300 MB each at once "
                    + "(generated, SHA-256 as sent); every capture is read back through the HTTP API (raw, streamed) "
                    + "and its content after the Received header digested. Peak RSS is the server's VmHWM.");
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    // ---- limits under hostile load -----------------------------------------------------------

    private static void limits() throws Exception {
        System.out.println("== limits");
        // Issue 14's figure is the heap after a million short sessions; -Dbench.sessions=N for a quicker run.
        int n = Integer.getInteger("bench.sessions", 1_000_000);
        try (Harness plain = Harness.start(List.of(Topologies.server("plain", false)), true)) {
            int port = plain.instance("plain").port("smtp");
            shortSessions(port, 1000);
            plain.instance("plain").capture().awaitEndedSessions(1000, WAIT);
            long idle = usedAfterGc();
            shortSessions(port, n);
            plain.instance("plain").capture().awaitEndedSessions(1000 + n, WAIT);
            double h = (usedAfterGc() - idle) / (1024.0 * 1024);
            GreenMail gm = Topologies.startGreenMail();
            double g;
            try {
                shortSessions(gm.getSmtp().getPort(), 1000);
                long before = usedAfterGc();
                shortSessions(gm.getSmtp().getPort(), n);
                g = (usedAfterGc() - before) / (1024.0 * 1024);
            } finally {
                gm.stop();
            }
            row("heap growth after " + String.format(Locale.ROOT, "%,d", n) + " short sessions, EHLO + QUIT (MB)",
                    fmt(h), fmt(g) + " (GreenMail)", h / g, "< 64 MB", h < 64);

            int answered = 0;
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(60_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                in.readLine();
                String last;
                do {
                    s.getOutputStream().write("EHLO forever.example\r\n".getBytes(StandardCharsets.US_ASCII));
                    while ((last = in.readLine()) != null && last.startsWith("250-")) {
                        // the rest of the EHLO reply
                    }
                } while (last != null && last.startsWith("250 ") && ++answered < 10_000);
            }
            row("EHLO in a loop: EHLOs answered before 421 too many errors", String.valueOf(answered),
                    "121 (Postfix 3.7; PostfixFidelityTest compares)", Double.NaN, "121", answered == 121);
        }
        NOTES.add("Limits: heap in use after System.gc() x3 once " + String.format(Locale.ROOT, "%,d", n) + " sessions (connect, EHLO, QUIT, server "
                + "closes) from 8 clients have ended, minus the same after 1,000 warm-up sessions; mailrelay keeps "
                + "the latest 1,000 ended sessions (mailrelay_session_retention_limit). The EHLO loop runs with "
                + "smtpd_error_sleep_time = 1s, Postfix's tarpit (about 100 s before the 421).");
    }

    /** {@code n} sessions of EHLO and QUIT from 8 clients at a time, each waiting for the server to close. */
    private static void shortSessions(int port, int n) throws Exception {
        AtomicLong left = new AtomicLong(n);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                done.add(clients.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        try (Socket s = new Socket("127.0.0.1", port)) {
                            s.setSoTimeout(60_000);
                            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                    StandardCharsets.US_ASCII));
                            in.readLine();
                            s.getOutputStream().write("EHLO bench.example\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                            while (in.readLine() != null) {
                                // the EHLO and QUIT replies, then the server's close
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(1, TimeUnit.HOURS);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    // ---- await latency --------------------------------------------------------------------

    private static void latency() throws Exception {
        System.out.println("== await latency");
        int warmup = 200;
        int n = 1000;
        double[] h;
        double[] g;
        byte[] msg = RawSmtp.message(1024, Topologies.FROM, Topologies.LOCAL_RCPT);
        try (Harness plain = Harness.start(List.of(Topologies.server("plain", false)), true)) {
            Instance srv = plain.instance("plain");
            h = latencyRun(srv.port("smtp"), msg, warmup, n, count -> srv.capture().awaitMessages(count, WAIT));
        }
        GreenMail gm = Topologies.startGreenMail();
        try {
            g = latencyRun(gm.getSmtp().getPort(), msg, warmup, n, count -> {
                if (!gm.waitForIncomingEmail(WAIT.toMillis(), count)) {
                    throw new IllegalStateException("GreenMail did not receive " + count);
                }
            });
        } finally {
            gm.stop();
        }
        double hm = median(h);
        row("await wake-up after the final 250 of DATA (µs, median)", fmt(hm), fmt(median(g))
                + " (GreenMail waitForIncomingEmail)", hm / median(g), "< 1 ms", hm < 1000);
        row("await wake-up after the final 250 of DATA (µs, p99)", fmt(percentile(h, 99)),
                fmt(percentile(g, 99)) + " (GreenMail waitForIncomingEmail)", percentile(h, 99) / percentile(g, 99), "", null);
        NOTES.add("Await latency: a test thread blocks in Capture.awaitMessages(i) (GreenMail: waitForIncomingEmail) "
                + "before message i is sent; the figure is the time from the client reading the final 250 of DATA to "
                + "the waiting thread returning (" + n + " samples after " + warmup + " unmeasured; negative means "
                + "the waiter woke before the 250 reached the client, as capture happens before the reply is written).");
    }

    @FunctionalInterface
    interface Waiter {
        void await(int count) throws Exception;
    }

    private static double[] latencyRun(int port, byte[] msg, int warmup, int n, Waiter waiter) throws Exception {
        int total = warmup + n;
        long[] woke = new long[total];
        long[] replied = new long[total];
        SynchronousQueue<Integer> waiting = new SynchronousQueue<>();
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    waiting.put(i);
                    waiter.await(i + 1);
                    woke[i] = System.nanoTime();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "bench-waiter");
        t.start();
        try (RawSmtp c = RawSmtp.open(port, null, null)) {
            for (int i = 0; i < total; i++) {
                if (waiting.poll(60, TimeUnit.SECONDS) == null) {
                    throw new IllegalStateException("waiter did not come back");
                }
                c.send(Topologies.FROM, Topologies.LOCAL_RCPT, msg);
                replied[i] = c.lastReplyNanos;
            }
            c.quit();
        }
        t.join(WAIT.toMillis());
        double[] micros = new double[n];
        for (int i = 0; i < n; i++) {
            micros[i] = (woke[warmup + i] - replied[warmup + i]) / 1000.0;
        }
        return micros;
    }
}
