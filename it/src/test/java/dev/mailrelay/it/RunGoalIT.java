package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mvn mailrelay:run} as a user runs it: a real Maven process against the local repository the
 * invoker's install goal filled (so it runs after it, under failsafe), read through its READY lines,
 * used through the API, stopped with SIGTERM as Ctrl-C would stop it.
 */
class RunGoalIT {

    private static final Duration MAVEN = Duration.ofSeconds(120);
    private static final Pattern READY_API = Pattern.compile(".*READY api (http://127\\.0\\.0\\.1:\\d+/)");
    private static final int SIGTERM_EXIT = 143;

    @TempDir
    Path dir;

    @Test
    void runAnswersUntilSigtermThenStopsAndWritesTheCapture() throws Exception {
        Path project = dir.resolve("run-project");
        Files.createDirectories(project);
        try (InputStream in = RunGoalIT.class.getResourceAsStream("/run-project/pom.xml")) {
            String pom = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("@mailrelay.version@", property("mailrelay.version"));
            Files.writeString(project.resolve("pom.xml"), pom);
        }
        Path settings = dir.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <profiles><profile><id>it</id>
                    <activation><activeByDefault>true</activeByDefault></activation>
                    <repositories><repository><id>local.central</id><url>%1$s</url></repository></repositories>
                    <pluginRepositories><pluginRepository><id>local.central</id><url>%1$s</url></pluginRepository></pluginRepositories>
                  </profile></profiles>
                </settings>
                """.formatted(Path.of(property("mailrelay.userRepository")).toUri()));
        String mvn = Path.of(property("maven.home"), "bin", "mvn").toString();

        // Not offline: like the invoker projects, it reads what the private repository lacks (the parent
        // POM's imported BOMs, say) from the user's repository, declared as a file:// remote. Quiet (-q):
        // the READY lines are the goal's output, not log lines, so they show anyway.
        try (ExternalProcess p = ExternalProcess.start(project, List.of(mvn, "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + property("mailrelay.itRepository"), "mailrelay:run"))) {
            String line = p.awaitStdoutLine(l -> l.contains("READY api "), MAVEN);
            Matcher m = READY_API.matcher(line);
            assertThat(line).as("a READY line is printed as is, not as a log line").startsWith("READY api ");
            assertThat(m.matches()).as(line).isTrue();
            MailRelayClient client = MailRelayClient.connect(m.group(1));
            ApiModel.InstanceInfo isp = client.instance("isp");
            int port = isp.port("submission");
            assertThat(p.awaitStdoutLine(l -> l.contains("READY isp submission 127.0.0.1:" + port), MAVEN)).isNotNull();

            send(port);
            ApiModel.MessageInfo got = client.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
            assertThat(got.saslUsername()).isEqualTo("carol");
            // As a build extension the plugin's classes come from another realm than the mojo's
            // context class loader; the subject is read all the same.
            assertThat(got.subject()).isEqualTo("mailrelay:run");

            p.terminate();
            ExternalProcess.Result r = p.awaitExit(MAVEN);
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(SIGTERM_EXIT);
            assertClosed(port);
            assertClosed(client.url().getPort());
            assertThatThrownBy(client::instances).isInstanceOf(java.io.UncheckedIOException.class);
        }
        // The shutdown hook wrote what was captured.
        Path index = project.resolve("target/mailrelay/messages.json");
        assertThat(Files.readString(index)).contains("\"saslUsername\" : \"carol\"")
                .contains("\"subject\" : \"mailrelay:run\"").doesNotContain("run-secret");
    }

    private static void send(int port) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("carol@app.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("dave@elsewhere.example"));
        message.setSubject("mailrelay:run");
        message.setText("hello\n");
        Transport.send(message, "carol", "run-secret");
    }

    private static void assertClosed(int port) {
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                .as("port %d after SIGTERM", port).isInstanceOf(ConnectException.class);
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        assertThat(v).as("system property %s (set by it/pom.xml's failsafe configuration)", name).isNotBlank();
        return v;
    }
}
