package dev.mailrelay.maven;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.testing.AbstractMojoTestCase;
import org.apache.maven.project.MavenProject;

/**
 * The goals as Maven configures them from a POM (the plugin testing harness reads the plugin
 * descriptor and the test POM's configuration), with Maven's session and project mocked.
 */
public class StartStopMojoTest extends AbstractMojoTestCase {

    private Path work;
    private MavenSession session;

    @Override
    protected void setUp() throws Exception {
        super.setUp();
        work = Files.createTempDirectory("mailrelay-plugin-test");
        session = MojoTestSupport.session();
    }

    @Override
    protected void tearDown() throws Exception {
        new StopAtSessionEnd().afterSessionEnd(session);
        Configurations.deleteTree(work);
        super.tearDown();
    }

    public void testStartPublishesPortsServesTheApiAndStopWritesTheCapture() throws Exception {
        StartMojo start = mojo("start", "start-stop", work.resolve("a").toFile());
        start.execute();

        MavenProject project = (MavenProject) getVariableValueFromObject(start, "project");
        Properties published = project.getProperties();
        Path output = work.resolve("a/target/mailrelay");
        Properties file = new Properties();
        try (InputStream in = Files.newInputStream(output.resolve("mailrelay.properties"))) {
            file.load(in);
        }
        int port = Integer.parseInt(published.getProperty("mailrelay.isp.submission.port"));
        assertEquals("127.0.0.1", published.getProperty("mailrelay.isp.host"));
        assertEquals(String.valueOf(port), file.getProperty("mailrelay.isp.submission.port"));
        String url = published.getProperty("mailrelay.api.url");
        assertTrue(url, url.matches("http://127\\.0\\.0\\.1:\\d+/"));
        assertEquals(url, file.getProperty("mailrelay.api.url"));
        // The names @ExportSystemProperties uses; the file is its owner's only, since it holds a password.
        assertEquals("alice", file.getProperty("mailrelay.isp.username"));
        assertEquals("pom-Secret-1", published.getProperty("mailrelay.isp.password"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(output.resolve("mailrelay.properties"))));

        // The generated instance directory: mech_list and the users table.
        Path dir = output.resolve("instances/isp");
        assertEquals(List.of("pwcheck_method: auxprop", "auxprop_plugin: sasldb", "mech_list: PLAIN LOGIN"),
                Files.readAllLines(dir.resolve("sasl/smtpd.conf")));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("sasl_users"))));

        MailRelayClient client = MailRelayClient.connect(url);
        ApiModel.InstanceInfo isp = client.instance("isp");
        assertEquals(List.of("smtp.isp.example"), isp.hostnames());
        assertEquals(port, isp.port("submission"));
        // The start-up probes are not captured mail.
        client.assertNoMessages("isp");

        send(port, "alice", "pom-Secret-1", "from the plugin test");
        ApiModel.MessageInfo m = client.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
        assertEquals("PLAIN", m.saslMethod());
        assertEquals("alice", m.saslUsername());

        StopMojo stop = mojo("stop", "start-stop", work.resolve("a").toFile());
        setVariableValueToObject(stop, "project", project);
        stop.execute();
        assertClosed(port);
        String eml = Files.readString(output.resolve("isp/" + m.id() + ".eml"));
        assertTrue(eml, eml.contains("(Authenticated sender: alice)"));
        String index = Files.readString(output.resolve("messages.json"));
        assertTrue(index, index.contains("\"file\" : \"isp/" + m.id() + ".eml\""));
        assertTrue(index, index.contains("\"saslUsername\" : \"alice\""));
        assertFalse(index, index.contains("pom-Secret-1"));

        // Stopped servers leave no properties behind that point at dead ports.
        assertFalse(Files.exists(output.resolve("mailrelay.properties")));

        // Idempotent: a second stop finds nothing and does not fail.
        stop.execute();

        // The next run's files are its own: the earlier run's .eml files and index are gone at start.
        StartMojo again = mojo("start", "start-stop", work.resolve("a").toFile());
        again.execute();
        assertFalse(Files.exists(output.resolve("isp/" + m.id() + ".eml")));
        assertFalse(Files.exists(output.resolve("messages.json")));
        assertTrue(Files.exists(output.resolve("mailrelay.properties")));
    }

    public void testTheSessionEndStopsWhatTheBuildLeftRunning() throws Exception {
        StartMojo start = mojo("start", "start-stop", work.resolve("b").toFile());
        start.execute();
        MavenProject project = (MavenProject) getVariableValueFromObject(start, "project");
        int port = Integer.parseInt(project.getProperties().getProperty("mailrelay.isp.submission.port"));
        int api = Integer.parseInt(project.getProperties().getProperty("mailrelay.api.port"));
        new StopAtSessionEnd().afterSessionEnd(session);
        assertClosed(port);
        assertClosed(api);
    }

    public void testTwoProjectsRunTheirOwnServers() throws Exception {
        StartMojo one = mojo("start", "start-stop", work.resolve("one").toFile());
        StartMojo two = mojo("start", "start-stop", work.resolve("two").toFile());
        setVariableValueToObject(two, "project", MojoTestSupport.project("two", work.resolve("two").toFile()));
        one.execute();
        two.execute();
        String p1 = ((MavenProject) getVariableValueFromObject(one, "project")).getProperties()
                .getProperty("mailrelay.isp.submission.port");
        String p2 = ((MavenProject) getVariableValueFromObject(two, "project")).getProperties()
                .getProperty("mailrelay.isp.submission.port");
        assertFalse(p1.equals(p2));
        assertEquals(2, Registry.running(session).size());
    }

    public void testEachSkipPropertyStartsNothing() throws Exception {
        for (String skip : List.of("skip", "skipITs", "skipTests", "mavenTestSkip")) {
            StartMojo start = mojo("start", "start-stop", work.resolve("skip").toFile());
            setVariableValueToObject(start, skip, true);
            start.execute();
            assertTrue(skip, Registry.running(session).isEmpty());
            assertFalse(skip, Files.exists(work.resolve("skip/target/mailrelay/mailrelay.properties")));
        }
    }

    public void testABadValueFailsNamingFileLineAndParameter() throws Exception {
        StartMojo start = mojo("start", "bad-value", work.resolve("bad").toFile());
        try {
            start.execute();
            fail("started");
        } catch (MojoFailureException e) {
            assertEquals("mailrelay: isp main.cf text, line 2: parameter smtpd_timeout: bad time value or unit: 3x",
                    e.getMessage());
        }
        assertTrue(Registry.running(session).isEmpty());
    }

    public void testAnUnknownMechanismIsNamed() throws Exception {
        StartMojo start = mojo("start", "start-stop", work.resolve("mech").toFile());
        InstanceSpec spec = ((List<InstanceSpec>) getVariableValueFromObject(start, "instances")).get(0);
        spec.setMechanisms(List.of("PLAIN", "NTLM"));
        try {
            start.execute();
            fail("started");
        } catch (MojoFailureException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(
                    "mailrelay: instance isp: mechanisms: unknown SASL mechanism \"NTLM\" (mailrelay implements: "
                    + "SCRAM-SHA-512 "));
        }
    }

    public void testThePomsFaultsAreInstalledOnceTheInstancesAnswer() throws Exception {
        StartMojo start = mojo("start", "faults", work.resolve("faults").toFile());
        start.execute();
        MavenProject project = (MavenProject) getVariableValueFromObject(start, "project");
        MailRelayClient client = MailRelayClient.connect(project.getProperties().getProperty("mailrelay.api.url"));
        assertEquals(List.of("#1 AUTH reply \"454 4.7.0 Temporary authentication failure\" next 1",
                        "#2 RCPT to=bob@.* reply \"450 4.2.0 Mailbox busy\" probability 0.3 seed 42",
                        "#3 CONNECT delay 0.1s"),
                client.faults("isp").stream().map(ApiModel.FaultInfo::fault).toList());
        // The start-up probe went through before them: nothing struck yet.
        assertEquals(List.of(), client.injectedFaults("isp"));
        int port = Integer.parseInt(project.getProperties().getProperty("mailrelay.isp.submission.port"));
        try {
            send(port, "alice", "pom-Secret-1", "first try");
            fail("sent");
        } catch (jakarta.mail.AuthenticationFailedException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("454 4.7.0 Temporary authentication failure"));
        }
    }

    public void testABadFaultIsNamedAtStart() throws Exception {
        StartMojo start = mojo("start", "faults", work.resolve("bad-fault").toFile());
        InstanceSpec spec = ((List<InstanceSpec>) getVariableValueFromObject(start, "instances")).get(0);
        spec.getFaults().get(2).setDelay("2s");
        try {
            start.execute();
            fail("started");
        } catch (MojoFailureException e) {
            assertEquals("mailrelay: instance isp: <faults>, fault 3: <delay> \"2s\" is not an ISO-8601 duration (PT2S)",
                    e.getMessage());
        }
        spec.getFaults().get(2).setDelay(null);
        spec.getFaults().get(2).setRefuse(true);
        spec.getFaults().get(2).setNext(3);
        try {
            start.execute();
            fail("started");
        } catch (MojoFailureException e) {
            assertEquals("mailrelay: instance isp: <faults>, fault 3: fault on connect: refuse is for the connect stage "
                    + "only, and lasts until removed (no next, no probability)", e.getMessage());
        }
        assertTrue(Registry.running(session).isEmpty());
    }

    public void testWhatStartedIsStoppedWhenTheApiCannotBind() throws Exception {
        int smtpPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            smtpPort = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            StartMojo start = mojo("start", "start-stop", work.resolve("taken").toFile());
            InstanceSpec spec = ((List<InstanceSpec>) getVariableValueFromObject(start, "instances")).get(0);
            spec.setServices(List.of("127.0.0.1:" + smtpPort + " inet n - n - - smtpd"));
            setVariableValueToObject(start, "ephemeralPorts", false);
            setVariableValueToObject(start, "apiPort", taken.getLocalPort());
            try {
                start.execute();
                fail("started");
            } catch (MojoExecutionException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("api: cannot bind 127.0.0.1:" + taken.getLocalPort()));
            }
        }
        // The smtpd listener that had started is closed again: its port can be bound.
        try (ServerSocket again = new ServerSocket(smtpPort, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(smtpPort, again.getLocalPort());
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T mojo(String goal, String pom, File basedir) throws Exception {
        File pomFile = getTestFile("src/test/resources/unit/" + pom + "/pom.xml");
        T mojo = (T) lookupMojo(goal, pomFile);
        setVariableValueToObject(mojo, "project", MojoTestSupport.project(pom, basedir));
        setVariableValueToObject(mojo, "session", session);
        setVariableValueToObject(mojo, "outputDirectory", new File(basedir, "target/mailrelay"));
        if (mojo instanceof StartMojo) {
            setVariableValueToObject(mojo, "ephemeralPorts", true);
        }
        return mojo;
    }

    static void assertClosed(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            fail("port " + port + " still answers");
        } catch (ConnectException expected) {
            // closed
        } catch (IOException e) {
            fail("port " + port + ": " + e);
        }
    }

    static void send(int port, String user, String password, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("alice@client.example"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@elsewhere.example"));
        message.setSubject(subject, StandardCharsets.UTF_8.name());
        message.setText("body\n");
        Transport.send(message, user, password);
    }
}
