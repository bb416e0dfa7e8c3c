package dev.mailrelay.bench;

import dev.mailrelay.it.ExternalProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Issue 17's second target: a user's test suite. Generates Maven projects of {@code n} test
 * classes each, one message per class, and runs each with {@code mvn test} (surefire, one forked
 * JVM, as a user runs it): {@code mailrelay} with {@code @EnableSaslRelay(lifecycle = Lifecycle.PER_JVM)},
 * what a user writes for many classes (one harness for the run, reset before each class), and
 * {@code mailrelay-per-class} with the default {@code @EnableSaslRelay} (a harness started and stopped
 * per class); both the default topology: Jakarta Mail submits with STARTTLS and AUTH to the relay,
 * which relays with STARTTLS and AUTH to the ISP; the test waits until the ISP captured it. And
 * {@code greenmail} with GreenMail's JUnit 5 extension (Jakarta Mail submits to GreenMail's SMTP
 * server; the test waits until GreenMail received it).
 */
final class SuiteBench {

    /** What one {@code mvn test} of a generated project took. */
    record Run(double mavenSeconds, double classSeconds, int tests) {
    }

    private static final Duration MAVEN = Duration.ofMinutes(10);
    private static final Pattern SUITE_TIME = Pattern.compile("<testsuite [^>]*?\\btime=\"([0-9.,]+)\"");
    private static final Pattern SUITE_TESTS = Pattern.compile("<testsuite [^>]*?\\btests=\"(\\d+)\"");

    private final Path root;
    private final Path settings;
    private final String mvn;
    private final String repository;

    /**
     * @param root       where the projects are generated
     * @param itRepository the local repository the invoker's install goal filled with this build's
     *                   modules (the projects read everything else from {@code userRepository})
     */
    SuiteBench(Path root, String mavenHome, String itRepository, String userRepository) throws IOException {
        this.root = root;
        this.mvn = Path.of(mavenHome, "bin", "mvn").toString();
        this.repository = itRepository;
        Files.createDirectories(root);
        this.settings = Files.writeString(root.resolve("settings.xml"), """
                <settings>
                  <profiles><profile><id>bench</id>
                    <activation><activeByDefault>true</activeByDefault></activation>
                    <repositories><repository><id>local.central</id><url>%1$s</url></repository></repositories>
                    <pluginRepositories><pluginRepository><id>local.central</id><url>%1$s</url></pluginRepository></pluginRepositories>
                  </profile></profiles>
                </settings>
                """.formatted(Path.of(userRepository).toUri()));
    }

    /**
     * Generates the project of one side ({@code mailrelay}, {@code mailrelay-per-class} or
     * {@code greenmail}) with {@code n} classes.
     */
    Path generate(String side, int n, String mailrelayVersion, String greenmailVersion, Path itParent)
            throws IOException {
        Path project = root.resolve(side);
        Path tests = project.resolve("src/test/java/bench");
        Files.createDirectories(tests);
        boolean harness = side.startsWith("mailrelay");
        String annotation = side.equals("mailrelay") ? "@EnableSaslRelay(lifecycle = Lifecycle.PER_JVM)" : "@EnableSaslRelay";
        String dependency = harness ? """
                    <dependency>
                      <groupId>dev.mailrelay</groupId>
                      <artifactId>mailrelay-junit-extension</artifactId>
                      <version>%s</version>
                      <scope>test</scope>
                    </dependency>
                """.formatted(mailrelayVersion) : """
                    <dependency>
                      <groupId>com.icegreen</groupId>
                      <artifactId>greenmail-junit5</artifactId>
                      <version>%s</version>
                      <scope>test</scope>
                      <exclusions>
                        <exclusion><groupId>junit</groupId><artifactId>junit</artifactId></exclusion>
                        <exclusion><groupId>org.eclipse.angus</groupId><artifactId>jakarta.mail</artifactId></exclusion>
                      </exclusions>
                    </dependency>
                """.formatted(greenmailVersion);
        Files.writeString(project.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent>
                    <!-- Relative: Maven 3.8 does not take an absolute relativePath. -->
                    <groupId>dev.mailrelay.it</groupId>
                    <artifactId>it-parent</artifactId>
                    <version>1</version>
                    <relativePath>%s</relativePath>
                  </parent>
                  <artifactId>suite-%s</artifactId>
                  <version>1</version>
                  <properties>
                    <mailrelay.version>%s</mailrelay.version>
                  </properties>
                  <dependencies>
                %s    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><scope>test</scope></dependency>
                    <dependency><groupId>org.eclipse.angus</groupId><artifactId>angus-mail</artifactId><scope>test</scope></dependency>
                    <dependency><groupId>org.assertj</groupId><artifactId>assertj-core</artifactId><version>3.26.3</version><scope>test</scope></dependency>
                    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.16</version><scope>test</scope></dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <artifactId>maven-surefire-plugin</artifactId>
                        <configuration>
                          <systemPropertyVariables>
                            <org.slf4j.simpleLogger.defaultLogLevel>warn</org.slf4j.simpleLogger.defaultLogLevel>
                          </systemPropertyVariables>
                        </configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(project.toAbsolutePath().relativize(itParent.toAbsolutePath()), side, mailrelayVersion,
                        dependency));
        Files.writeString(tests.resolve("Mail.java"), """
                package bench;

                import jakarta.mail.Message;
                import jakarta.mail.Session;
                import jakarta.mail.Transport;
                import jakarta.mail.internet.InternetAddress;
                import jakarta.mail.internet.MimeMessage;
                import java.util.Properties;
                import javax.net.ssl.SSLSocketFactory;

                /** The application's mail code: STARTTLS required and AUTH when given a login and a trust. */
                final class Mail {
                    static void send(String host, int port, String user, String password, SSLSocketFactory trust,
                                     String subject) throws Exception {
                        Properties props = new Properties();
                        props.put("mail.smtp.host", host);
                        props.put("mail.smtp.port", String.valueOf(port));
                        props.put("mail.smtp.timeout", "10000");
                        if (trust != null) {
                            props.put("mail.smtp.auth", "true");
                            props.put("mail.smtp.starttls.enable", "true");
                            props.put("mail.smtp.starttls.required", "true");
                            props.put("mail.smtp.ssl.socketFactory", trust);
                        }
                        MimeMessage message = new MimeMessage(Session.getInstance(props));
                        message.setFrom(new InternetAddress("shop@example.com"));
                        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
                        message.setSubject(subject);
                        message.setText("Thank you for signing up.\\n");
                        if (user != null) {
                            Transport.send(message, user, password);
                        } else {
                            Transport.send(message);
                        }
                    }
                }
                """);
        for (int i = 1; i <= n; i++) {
            String name = String.format("%s%03dTest", harness ? "Relay" : "GreenMail", i);
            String source = harness ? """
                    package bench;

                    import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

                    import dev.mailrelay.junit.EnableSaslRelay;
                    import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
                    import dev.mailrelay.junit.InstanceName;
                    import dev.mailrelay.junit.RelayInstance;
                    import dev.mailrelay.junit.SaslRelay;
                    import org.junit.jupiter.api.Test;

                    %2$s
                    class %1$s {
                        @Test
                        void oneMessageThroughTheRelay(SaslRelay mail, @InstanceName("isp") RelayInstance isp) throws Exception {
                            Mail.send(mail.host(), mail.port(), mail.username(), mail.password(),
                                    mail.entry().sslSocketFactory(), "%1$s");
                            mail.flush();
                            assertThat(isp).receivedMessage().hasSubject("%1$s").wasEncrypted();
                        }
                    }
                    """.formatted(name, annotation) : """
                    package bench;

                    import static org.assertj.core.api.Assertions.assertThat;

                    import com.icegreen.greenmail.junit5.GreenMailExtension;
                    import com.icegreen.greenmail.util.ServerSetupTest;
                    import org.junit.jupiter.api.Test;
                    import org.junit.jupiter.api.extension.RegisterExtension;

                    class %1$s {
                        @RegisterExtension
                        static GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

                        @Test
                        void oneMessage() throws Exception {
                            Mail.send("127.0.0.1", greenMail.getSmtp().getPort(), null, null, null, "%1$s");
                            assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
                            assertThat(greenMail.getReceivedMessages()[0].getSubject()).isEqualTo("%1$s");
                        }
                    }
                    """.formatted(name);
            Files.writeString(tests.resolve(name + ".java"), source);
        }
        return project;
    }

    /** {@code mvn test-compile}, unmeasured: dependencies resolved and classes compiled once. */
    void prepare(Path project) {
        maven(project, "test-compile");
    }

    /** One measured {@code mvn test}: its wall time, and the sum of the test class times surefire reports. */
    Run run(Path project) throws IOException {
        long t0 = System.nanoTime();
        maven(project, "test");
        double wall = (System.nanoTime() - t0) / 1e9;
        double classes = 0;
        int tests = 0;
        try (Stream<Path> reports = Files.list(project.resolve("target/surefire-reports"))) {
            for (Path r : reports.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
                String xml = Files.readString(r);
                Matcher time = SUITE_TIME.matcher(xml);
                Matcher count = SUITE_TESTS.matcher(xml);
                if (time.find() && count.find()) {
                    classes += Double.parseDouble(time.group(1).replace(",", ""));
                    tests += Integer.parseInt(count.group(1));
                }
            }
        }
        return new Run(wall, classes, tests);
    }

    private void maven(Path project, String goal) {
        ExternalProcess.Result r = ExternalProcess.run(MAVEN, null, List.of(mvn, "-B", "-q", "-s", settings.toString(),
                "-Dmaven.repo.local=" + repository, "-f", project.resolve("pom.xml").toString(), goal));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("mvn " + goal + " failed for " + project + ": " + r.describe());
        }
    }
}
