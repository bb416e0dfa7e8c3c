package dev.mailrelay.maven;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import java.io.File;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.apache.maven.plugin.testing.AbstractMojoTestCase;
import org.apache.maven.project.MavenProject;

/**
 * A {@code <user>} without {@code <password>} gets one generated at each start, by the core's
 * {@code InstanceDirectory.user(login)} as the JUnit extension's {@code users = "login"}: published in
 * the project's properties and {@code mailrelay.properties}, accepted by the instance, never logged.
 */
public class GeneratedPasswordTest extends AbstractMojoTestCase {

    private Path work;
    private MavenSession session;

    @Override
    protected void setUp() throws Exception {
        super.setUp();
        work = Files.createTempDirectory("mailrelay-generated-password");
        session = MojoTestSupport.session();
    }

    @Override
    protected void tearDown() throws Exception {
        new StopAtSessionEnd().afterSessionEnd(session);
        Configurations.deleteTree(work);
        super.tearDown();
    }

    public void testAUserWithoutPasswordGetsAGeneratedOnePublishedAndNeverLogged() throws Exception {
        RecordingLog log = new RecordingLog();
        Properties p = start("a", log);

        String bob = p.getProperty("mailrelay.isp.password.bob");
        assertNotNull(p.toString(), bob);
        assertTrue(bob, bob.matches("[A-Za-z0-9]{20}"));
        assertEquals("alice-Secret-1", p.getProperty("mailrelay.isp.password.alice"));
        // The first user of an instance is also mailrelay.<instance>.username/password.
        assertEquals("alice", p.getProperty("mailrelay.isp.username"));
        String svc = p.getProperty("mailrelay.app.password");
        assertTrue(String.valueOf(svc), svc != null && svc.matches("[A-Za-z0-9]{20}"));
        assertEquals(svc, p.getProperty("mailrelay.app.password.svc"));

        Properties file = new Properties();
        try (Reader r = Files.newBufferedReader(work.resolve("a/target/mailrelay/mailrelay.properties"),
                StandardCharsets.ISO_8859_1)) {
            file.load(r);
        }
        assertEquals(bob, file.getProperty("mailrelay.isp.password.bob"));

        StartStopMojoTest.send(Integer.parseInt(p.getProperty("mailrelay.isp.port")), "bob", bob, "generated");
        ApiModel.MessageInfo m = MailRelayClient.connect(p.getProperty("mailrelay.api.url"))
                .awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
        assertEquals("bob", m.saslUsername());

        assertFalse(log.lines.toString(), log.lines.stream().anyMatch(l -> l.contains(bob) || l.contains(svc)));

        // Each start has its own.
        new StopAtSessionEnd().afterSessionEnd(session);
        session = MojoTestSupport.session();
        assertFalse(bob.equals(start("b", new RecordingLog()).getProperty("mailrelay.isp.password.bob")));
    }

    private Properties start(String dir, RecordingLog log) throws Exception {
        File basedir = work.resolve(dir).toFile();
        StartMojo start = (StartMojo) lookupMojo("start", getTestFile("src/test/resources/unit/generated-password/pom.xml"));
        setVariableValueToObject(start, "project", MojoTestSupport.project("generated-password", basedir));
        setVariableValueToObject(start, "session", session);
        setVariableValueToObject(start, "outputDirectory", new File(basedir, "target/mailrelay"));
        setVariableValueToObject(start, "ephemeralPorts", true);
        start.setLog(log);
        start.execute();
        return ((MavenProject) getVariableValueFromObject(start, "project")).getProperties();
    }

    /** What the goal logs, at every level. */
    private static final class RecordingLog extends SystemStreamLog {

        final List<String> lines = new ArrayList<>();

        @Override
        public void debug(CharSequence content) {
            lines.add(String.valueOf(content));
        }

        @Override
        public void info(CharSequence content) {
            lines.add(String.valueOf(content));
        }

        @Override
        public void warn(CharSequence content) {
            lines.add(String.valueOf(content));
        }

        @Override
        public void error(CharSequence content) {
            lines.add(String.valueOf(content));
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }
    }
}
