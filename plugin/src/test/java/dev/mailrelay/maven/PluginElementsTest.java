package dev.mailrelay.maven;

import static org.junit.Assert.assertThrows;

import dev.mailrelay.client.ApiModel;
import dev.mailrelay.client.MailRelayClient;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.testing.AbstractMojoTestCase;
import org.apache.maven.project.MavenProject;

/**
 * The POM elements the annotation and builder have under the same names — {@code <myhostname>},
 * {@code <tls>}, {@code <relayhost>}, {@code <tables>}, {@code <masterCf>} with several services,
 * {@code <entry>} and the {@code spring.mail.*} properties it publishes — in a relay and an ISP
 * shaped like the JUnit extension's default topology, with mail going through both.
 */
public class PluginElementsTest extends AbstractMojoTestCase {

    private Path work;
    private MavenSession session;

    @Override
    protected void setUp() throws Exception {
        super.setUp();
        work = Files.createTempDirectory("mailrelay-plugin-elements");
        session = MojoTestSupport.session();
    }

    @Override
    protected void tearDown() throws Exception {
        new StopAtSessionEnd().afterSessionEnd(session);
        Configurations.deleteTree(work);
        super.tearDown();
    }

    public void testTheElementsOfTheAnnotationRunMailThroughRelayAndIsp() throws Exception {
        StartMojo start = mojo("start", "elements", "a");
        start.execute();
        Properties p = ((MavenProject) getVariableValueFromObject(start, "project")).getProperties();

        // <entry> defaults to relay, as the extension's entry does: spring.mail.* describe it.
        assertEquals(p.getProperty("mailrelay.relay.smtp.port"), p.getProperty("spring.mail.port"));
        assertEquals("127.0.0.1", p.getProperty("spring.mail.host"));
        assertEquals("app", p.getProperty("spring.mail.username"));
        assertEquals("app-Secret-3", p.getProperty("spring.mail.password"));
        // <masterCf> with two services and an -o line, indented as XML is.
        assertNotNull(p.getProperty("mailrelay.isp.smtp.port"));
        assertNotNull(p.getProperty("mailrelay.isp.submission.port"));

        Path relayDir = work.resolve("a/target/mailrelay/instances/relay");
        assertEquals(List.of("# the relay's login at the ISP", "[mail.isp.example]:submission relay-user:isp-Secret-2"),
                Files.readAllLines(relayDir.resolve("sasl_passwd")));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(relayDir.resolve("sasl_passwd"))));

        StartStopMojoTest.send(Integer.parseInt(p.getProperty("spring.mail.port")), "app", "app-Secret-3", "through both");
        MailRelayClient client = MailRelayClient.connect(p.getProperty("mailrelay.api.url"));
        ApiModel.DeliveryInfo d = client.awaitDeliveries("relay", 1, Duration.ofSeconds(10)).get(0);
        assertEquals(d.toString(), "sent", d.status());
        assertEquals("[mail.isp.example]:submission", d.nextHop());
        ApiModel.MessageInfo m = client.awaitMessages("isp", 1, Duration.ofSeconds(10)).get(0);
        assertEquals("relay-user", m.saslUsername());
        String raw = new String(client.raw("isp", m.id()), StandardCharsets.UTF_8);
        // <myhostname>: Received headers name the hosts as production does, not isp.localdomain.
        assertTrue(raw, raw.contains("by mail.isp.example (Postfix) with ESMTPSA"));
        assertTrue(raw, raw.contains("by relay.example.com (Postfix) with ESMTPA"));
    }

    public void testEntryNamesTheInstanceSpringMailDescribes() throws Exception {
        StartMojo start = mojo("start", "elements", "b");
        setVariableValueToObject(start, "entry", "isp");
        start.execute();
        Properties p = ((MavenProject) getVariableValueFromObject(start, "project")).getProperties();
        assertEquals(p.getProperty("mailrelay.isp.smtp.port"), p.getProperty("spring.mail.port"));
        assertEquals("relay-user", p.getProperty("spring.mail.username"));
    }

    public void testAnEntryThatIsNoInstanceFailsTheBuild() throws Exception {
        StartMojo start = mojo("start", "elements", "c");
        setVariableValueToObject(start, "entry", "nosuch");
        MojoFailureException e = assertThrows(MojoFailureException.class, start::execute);
        assertTrue(e.getMessage(), e.getMessage().contains("<entry>: entry instance nosuch is not declared"));
    }

    /** The form {@code <tls>} had before it meant the security level must not pass silently. */
    public void testTheOldTlsMapFailsTheBuild() throws Exception {
        Exception e = assertThrows(Exception.class, () -> this.<StartMojo>mojo("start", "old-tls", "d").execute());
        // Maven refuses it while configuring the goal, before anything starts.
        assertTrue(e.toString(), e.getMessage().contains("Basic element 'tls' must not contain child elements"));
    }

    @SuppressWarnings("unchecked")
    private <T> T mojo(String goal, String pom, String dir) throws Exception {
        File basedir = work.resolve(dir).toFile();
        T mojo = (T) lookupMojo(goal, getTestFile("src/test/resources/unit/" + pom + "/pom.xml"));
        setVariableValueToObject(mojo, "project", MojoTestSupport.project(pom, basedir));
        setVariableValueToObject(mojo, "session", session);
        setVariableValueToObject(mojo, "outputDirectory", new File(basedir, "target/mailrelay"));
        setVariableValueToObject(mojo, "ephemeralPorts", true);
        return mojo;
    }
}
