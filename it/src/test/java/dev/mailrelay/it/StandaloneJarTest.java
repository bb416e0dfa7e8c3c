package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone runner as a user starts it: {@code java -jar mailrelay-standalone.jar --config DIR
 * --ephemeral-ports --spool DIR}, in its own JVM, read through its READY lines (one per listener,
 * then {@code READY api <url>}) and its HTTP control API, stopped with SIGTERM.
 */
class StandaloneJarTest {

    /** How long a fresh JVM may take to print READY or to exit. */
    private static final Duration JVM = Duration.ofSeconds(30);
    private static final Pattern READY = Pattern.compile("READY (\\S+) (\\S+) (127\\.0\\.0\\.1):(\\d+)");
    private static final Pattern READY_API = Pattern.compile("READY api (http://127\\.0\\.0\\.1:\\d+/)");
    /** The status the JVM exits with after SIGTERM once its shutdown hooks ran: 128 + 15. */
    private static final int SIGTERM_EXIT = 143;

    private static Path jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void locateJar() {
        String configured = System.getProperty("mailrelay.standaloneJar", "../harness-core/target/mailrelay-standalone.jar");
        jar = Path.of(configured).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            fail("the standalone jar " + jar + " is missing: it is built by harness-core's package phase; run "
                    + "`mvn verify` (or `mvn package -pl harness-core`) from the project root before these tests");
        }
    }

    /** SASL_README's server configuration, unchanged but for the users table, as the README shows it. */
    @Test
    void saslReadmeConfigurationAcceptsAuthenticatedMailSpoolsItAndStopsOnSigterm()
            throws IOException, MessagingException, InterruptedException {
        Path server = saslReadmeServer();
        Path spool = dir.resolve("spool");
        Path instanceSpool = spool.resolve("server");
        // Created up front so that it can be watched before the message is sent.
        Files.createDirectories(instanceSpool);

        try (ExternalProcess p = standalone("--config", server.toString(), "--ephemeral-ports",
                "--spool", spool.toString());
             WatchService watcher = FileSystems.getDefault().newWatchService()) {
            Matcher ready = ready(p.awaitStdoutLine(l -> l.startsWith("READY "), JVM));
            Matcher apiLine = READY_API.matcher(p.awaitStdoutLine(l -> l.startsWith("READY api "), JVM));
            assertThat(apiLine.matches()).isTrue();
            MailRelayClient client = MailRelayClient.connect(apiLine.group(1));
            assertThat(ready.group(1)).isEqualTo("server");
            assertThat(ready.group(2)).isEqualTo("2525");
            int port = Integer.parseInt(ready.group(4));
            instanceSpool.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);

            Session session = Session.getInstance(jakartaProperties(port, "PLAIN"));
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress("test@example.com"));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress("someone@elsewhere.example"));
            message.setSubject("standalone jar");
            message.setText("spool me\n");
            message.saveChanges();
            String queueId;
            try (SMTPTransport t = (SMTPTransport) session.getTransport("smtp")) {
                t.connect("127.0.0.1", port, "test", "testpass");
                // mech_list as the EHLO reply shows it (its order: see ehloListsMechanismsInMechListOrder).
                assertThat(t.getExtensionParameter("AUTH").split(" "))
                        .containsExactlyInAnyOrder("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5");
                t.sendMessage(message, message.getAllRecipients());
                String reply = t.getLastServerResponse();
                Matcher queued = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)").matcher(reply);
                assertThat(queued.find()).as("reply to DATA: %s", reply).isTrue();
                queueId = queued.group(1);
            }

            ApiModel.MessageInfo captured = client.awaitMessages("server", 1, Duration.ofSeconds(10)).get(0);
            assertThat(captured.id()).isEqualTo(queueId);
            assertThat(captured.saslMethod()).isEqualTo("PLAIN");
            assertThat(captured.saslUsername()).isEqualTo("test");

            Path eml = awaitFile(watcher, instanceSpool, queueId + ".eml", Duration.ofSeconds(10));
            String content = Files.readString(eml);
            assertThat(content)
                    .startsWith("Received: from ")
                    .contains("(Authenticated sender: test)")
                    .contains("by mail.example.com (Postfix) with ESMTPA id " + queueId)
                    .contains("for <someone@elsewhere.example>;")
                    .contains("Subject: standalone jar")
                    .contains("spool me");

            p.terminate();
            ExternalProcess.Result r = p.awaitExit(JVM);
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(SIGTERM_EXIT);
            assertThat(r.stderr()).as(r.describe()).doesNotContain("Exception").doesNotContain("ERROR");
        }
    }

    /**
     * Postfix 3.7 with Cyrus 2.1.28 advertises the mechanisms in {@code mech_list} order, not in
     * strength order: with {@code mech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256
     * ANONYMOUS} the reference server answers {@code 250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1
     * SCRAM-SHA-256} (postfix-reference.md, A1). With {@code broken_sasl_auth_clients = yes} the
     * {@code AUTH=} line repeats the list.
     */
    @Test
    void ehloListsMechanismsInMechListOrder() throws IOException, MessagingException {
        Path server = saslReadmeServer();
        try (ExternalProcess p = standalone("--config", server.toString(), "--ephemeral-ports")) {
            int port = Integer.parseInt(ready(p.awaitStdoutLine(l -> l.startsWith("READY "), JVM)).group(4));
            Session session = Session.getInstance(jakartaProperties(port, "PLAIN"));
            // Jakarta Mail's protocol trace shows the EHLO reply lines as the client read them.
            ByteArrayOutputStream trace = new ByteArrayOutputStream();
            session.setDebugOut(new PrintStream(trace, true, StandardCharsets.UTF_8));
            session.setDebug(true);
            try (SMTPTransport t = (SMTPTransport) session.getTransport("smtp")) {
                t.connect("127.0.0.1", port, "test", "testpass");
            }
            List<String> authLines = trace.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("250-AUTH") || l.startsWith("250 AUTH")).toList();
            assertThat(authLines).containsExactly(
                    "250-AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5",
                    "250-AUTH=PLAIN LOGIN CRAM-MD5 DIGEST-MD5");
        }
    }

    @Test
    void everyInstanceDirectoryPrintsReadyLinesForAllItsListeners() throws IOException {
        Path alpha = dir.resolve("alpha");
        Path beta = dir.resolve("beta");
        Files.createDirectories(alpha);
        Files.createDirectories(beta);
        // compatibility_level as Debian's stock main.cf sets it: without it Postfix 3.7 keeps level 0,
        // whose empty default relay restrictions make an instance refuse to start.
        Files.writeString(alpha.resolve("main.cf"), """
                compatibility_level = 3.6
                myhostname = mail.alpha.example
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = inline:{ a=apw }
                """);
        Files.writeString(alpha.resolve("master.cf"), "submission inet n - n - - smtpd\n");
        Files.writeString(beta.resolve("main.cf"), "compatibility_level = 3.6\nmyhostname = mail.beta.example\n");
        Files.writeString(beta.resolve("master.cf"), """
                smtp      inet  n       -       n       -       -       smtpd
                2526      inet  n       -       n       -       -       smtpd
                """);

        try (ExternalProcess p = standalone("run", "--config", dir.toString(), "--ephemeral-ports")) {
            // One line per listener, then the HTTP control API's line last (DESIGN.md's contract).
            List<String> lines = p.awaitStdoutLines(l -> l.startsWith("READY "), 4, JVM);
            Matcher api = READY_API.matcher(lines.get(3));
            assertThat(api.matches()).as("last READY line: %s", lines.get(3)).isTrue();
            List<String> withoutPorts = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            for (String line : lines.subList(0, 3)) {
                Matcher m = ready(line);
                withoutPorts.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
                ports.add(Integer.parseInt(m.group(4)));
            }
            assertThat(withoutPorts).containsExactly(
                    "alpha submission 127.0.0.1", "beta smtp 127.0.0.1", "beta 2526 127.0.0.1");
            assertThat(ports).doesNotHaveDuplicates().allMatch(port -> port > 0);
            // The API lists the same instances and listeners.
            List<ApiModel.InstanceInfo> instances = MailRelayClient.connect(api.group(1)).instances();
            assertThat(instances).extracting(ApiModel.InstanceInfo::name).containsExactly("alpha", "beta");
            assertThat(instances.get(1).listeners()).extracting(ApiModel.ListenerInfo::port)
                    .containsExactly(ports.get(1), ports.get(2));

            p.terminate();
            ExternalProcess.Result r = p.awaitExit(JVM);
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(SIGTERM_EXIT);
            assertThat(r.stdout().lines().filter(l -> l.startsWith("READY "))).hasSize(4);
        }
    }

    /** The command line is picocli's, shaded into the jar: help, version and a usage error. */
    @Test
    void helpVersionAndUsageErrorsFromTheShadedJar() {
        try (ExternalProcess p = standalone("--help")) {
            ExternalProcess.Result r = p.awaitExit(JVM);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).as(r.describe()).contains("Usage: java -jar mailrelay-standalone.jar [-hV] [COMMAND]")
                    .contains("  run ", "  demo ", "  postconf ", "  postmap ");
        }
        try (ExternalProcess p = standalone("--version")) {
            ExternalProcess.Result r = p.awaitExit(JVM);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).as(r.describe())
                    .startsWith("mailrelay " + System.getProperty("mailrelay.version") + " (Postfix 3.7 semantics)");
        }
        try (ExternalProcess p = standalone("run", "--spool")) {
            ExternalProcess.Result r = p.awaitExit(JVM);
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(2);
            assertThat(r.stderr()).as(r.describe()).contains("Missing required parameter for option '--spool'");
        }
    }

    @Test
    void badParameterValueExitsWithStatus2NamingFileLineAndParameter() throws IOException {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Path mainCf = bad.resolve("main.cf");
        Files.writeString(mainCf, """
                smtpd_sasl_auth_enable = yes
                smtpd_timeout = 3x
                """);

        try (ExternalProcess p = standalone("--config", bad.toString(), "--ephemeral-ports")) {
            ExternalProcess.Result r = p.awaitExit(JVM);
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(2);
            assertThat(r.stderr()).as(r.describe())
                    .contains(mainCf.toAbsolutePath().normalize().toString())
                    .contains("line 2")
                    .contains("smtpd_timeout")
                    .contains("3x");
            assertThat(r.stdout()).as(r.describe()).doesNotContain("READY");
        }
    }

    /**
     * SASL_README's server configuration in {@code dir/server}, users table {@code test testpass}: a copy
     * of the README's standalone example ({@code src/test/resources/readme/standalone/server}).
     */
    private Path saslReadmeServer() throws IOException {
        Path example = Path.of("src/test/resources/readme/standalone/server");
        Path server = dir.resolve("server");
        for (String file : List.of("main.cf", "master.cf", "sasl/smtpd.conf", "sasl_users")) {
            Files.createDirectories(server.resolve(file).getParent());
            Files.copy(example.resolve(file), server.resolve(file));
        }
        return server;
    }

    private static ExternalProcess standalone(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-jar", jar.toString()));
        command.addAll(List.of(args));
        return ExternalProcess.start(null, command);
    }

    private static Matcher ready(String line) {
        Matcher m = READY.matcher(line);
        assertThat(m.matches()).as("READY line: %s", line).isTrue();
        return m;
    }

    private static Properties jakartaProperties(int port, String mechanism) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", mechanism);
        p.put("mail.smtp.localhost", "client.example.net");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.writetimeout", "10000");
        return p;
    }

    /** Waits (bounded, on file-system events) until {@code dir/name} exists and returns it. */
    private static Path awaitFile(WatchService watcher, Path dir, String name, Duration timeout)
            throws InterruptedException {
        Path file = dir.resolve(name);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!Files.exists(file)) {
                long left = deadline - System.nanoTime();
                WatchKey key = left > 0 ? watcher.poll(left, TimeUnit.NANOSECONDS) : null;
                if (key == null) {
                    fail(file + " did not appear within " + timeout + "; spool holds " + list(dir));
                }
                key.pollEvents();
                key.reset();
            }
        } catch (ClosedWatchServiceException e) {
            fail("watch service closed while waiting for " + file);
        }
        return file;
    }

    private static List<String> list(Path dir) {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of("(cannot list: " + e.getMessage() + ")");
        }
    }
}
