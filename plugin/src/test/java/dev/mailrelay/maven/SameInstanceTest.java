package dev.mailrelay.maven;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.mailrelay.config.Service;
import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceSpec;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.junit.SaslRelayExtension;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tables.Tables;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.testing.AbstractMojoTestCase;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * One pair of instances — an ISP with a user, mechanisms and STARTTLS, and a relay with a relayhost
 * and SASL client credentials — built the four ways in: a configuration directory in the standalone
 * layout, {@code @EnableSaslRelay}/{@code @SaslInstance}, the {@link SaslRelayExtension} builder and
 * the plugin's POM configuration. Each running instance must show the same {@code postconf -n}, the
 * same {@code master.cf} services, the same credentials in its tables and the same EHLO reply.
 */
public class SameInstanceTest extends AbstractMojoTestCase {

    /** What each way in built, by way, recorded by the JUnit fixtures below. */
    static final Map<String, Map<String, View>> BUILT = new ConcurrentHashMap<>();

    private static final String SERVICE = "submission inet n - n - - smtpd\n"
            + "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject";

    /** What an instance is, as far as configuration goes; equal views, same instance. */
    record View(Map<String, String> postconfN, List<String> services, Map<String, Optional<String>> credentials,
                List<List<String>> ehlo) {

        static Map<String, View> of(Harness harness) throws IOException {
            Map<String, View> out = new TreeMap<>();
            for (Instance i : harness.instances()) {
                List<String> services = new ArrayList<>();
                for (Service s : i.services()) {
                    services.add(s.name() + " " + s.type() + " " + s.command() + " " + s.overrides().stream()
                            .map(p -> "-o " + p.name() + "=" + p.value()).toList());
                }
                Map<String, Optional<String>> credentials = new TreeMap<>();
                credentials.put("relay-user", lookup(i, "mailrelay_sasl_users", "relay-user"));
                credentials.put("[mail.isp.example]:submission",
                        lookup(i, "smtp_sasl_password_maps", "[mail.isp.example]:submission"));
                List<List<String>> ehlo = new ArrayList<>();
                for (Instance.Listener l : i.listeners()) {
                    ehlo.add(ehlo(l));
                }
                out.put(i.name(), new View(i.parameters().explicit(), services, credentials, ehlo));
            }
            return out;
        }

        private static Optional<String> lookup(Instance i, String parameter, String key) {
            return Tables.find(Tables.openList(i.parameters().get(parameter), i.directory()), key);
        }

        private static List<String> ehlo(Instance.Listener l) throws IOException {
            try (Socket s = new Socket(l.host(), l.port())) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                List<String> lines = new ArrayList<>();
                lines.add(in.readLine());
                out.write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String line;
                do {
                    line = in.readLine();
                    lines.add(line);
                } while (line != null && line.startsWith("250-"));
                out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return lines;
            }
        }
    }

    @EnableSaslRelay(instances = {
        @SaslInstance(name = "isp", myhostname = "mail.isp.example", hostnames = "smtp.isp.example",
                users = "relay-user=isp-Secret-1", mechanisms = {"PLAIN", "LOGIN"}, tls = "may",
                mainCf = "smtpd_recipient_restrictions = permit_sasl_authenticated, reject", masterCf = SERVICE),
        @SaslInstance(name = "relay", myhostname = "relay.example.com", relayhost = "[mail.isp.example]:submission",
                mainCf = {"mynetworks = 127.0.0.1/32", "smtp_sasl_auth_enable = yes",
                          "smtp_sasl_password_maps = texthash:sasl_passwd", "smtp_sasl_security_options = noanonymous",
                          "smtp_tls_security_level = encrypt"},
                tables = @SaslInstance.Table(name = "sasl_passwd",
                        lines = "[mail.isp.example]:submission relay-user:isp-Secret-1"),
                masterCf = "smtp inet n - n - - smtpd")
    })
    static class Annotated {
        @Test
        void record(SaslRelay mail) throws IOException {
            BUILT.put("annotation", View.of(mail.harness()));
        }
    }

    static class Built {
        @RegisterExtension
        static SaslRelayExtension mail = SaslRelayExtension.builder()
                .instance(InstanceSpec.named("isp").myhostname("mail.isp.example").hostnames("smtp.isp.example")
                        .user("relay-user", "isp-Secret-1").mechanisms("PLAIN", "LOGIN").tls("may")
                        .mainCf("smtpd_recipient_restrictions = permit_sasl_authenticated, reject")
                        .masterCf(SERVICE))
                .instance(InstanceSpec.named("relay").myhostname("relay.example.com")
                        .relayhost("[mail.isp.example]:submission")
                        .mainCf("""
                                mynetworks = 127.0.0.1/32
                                smtp_sasl_auth_enable = yes
                                smtp_sasl_password_maps = texthash:sasl_passwd
                                smtp_sasl_security_options = noanonymous
                                smtp_tls_security_level = encrypt""")
                        .table("sasl_passwd", "[mail.isp.example]:submission relay-user:isp-Secret-1\n")
                        .masterCf("smtp inet n - n - - smtpd"))
                .build();

        @Test
        void record(SaslRelay mail) throws IOException {
            BUILT.put("builder", View.of(mail.harness()));
        }
    }

    private MavenSession session;
    private Path basedir;

    @Override
    protected void setUp() throws Exception {
        super.setUp();
        session = MojoTestSupport.session();
    }

    @Override
    protected void tearDown() throws Exception {
        new StopAtSessionEnd().afterSessionEnd(session);
        Configurations.deleteTree(basedir);
        super.tearDown();
    }

    public void testEveryWayInBuildsTheSameInstances() throws Exception {
        Map<String, View> directory;
        try (Harness h = Harness.start(InstanceConfig.fromLayout(resource("config")), true)) {
            directory = View.of(h);
        }
        assertEquals("mail.isp.example", directory.get("isp").postconfN().get("myhostname"));
        assertEquals("texthash:sasl_passwd", directory.get("relay").postconfN().get("smtp_sasl_password_maps"));
        assertEquals(Optional.of("isp-Secret-1"), directory.get("isp").credentials().get("relay-user"));
        assertEquals(Optional.of("relay-user:isp-Secret-1"),
                directory.get("relay").credentials().get("[mail.isp.example]:submission"));
        assertTrue(directory.get("isp").ehlo().toString(), directory.get("isp").ehlo().get(0)
                .containsAll(List.of("250-STARTTLS", "250-AUTH PLAIN LOGIN")));

        for (Class<?> fixture : List.of(Annotated.class, Built.class)) {
            EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute()
                    .testEvents().assertStatistics(s -> s.succeeded(1));
        }
        assertEquals(directory, BUILT.get("annotation"));
        assertEquals(directory, BUILT.get("builder"));
        assertEquals(directory, plugin());
    }

    /** The plugin's start goal as Maven configures it from the test POM. */
    private Map<String, View> plugin() throws Exception {
        basedir = Files.createTempDirectory("mailrelay-same-instance");
        File basedir = this.basedir.toFile();
        StartMojo start = (StartMojo) lookupMojo("start", getTestFile("src/test/resources/unit/same-instance/pom.xml"));
        MavenProject project = MojoTestSupport.project("same-instance", basedir);
        setVariableValueToObject(start, "project", project);
        setVariableValueToObject(start, "session", session);
        setVariableValueToObject(start, "outputDirectory", new File(basedir, "target/mailrelay"));
        setVariableValueToObject(start, "ephemeralPorts", true);
        start.execute();
        Running running = (Running) Registry.running(session).get(Registry.key(project));
        return View.of(running.harness());
    }

    private static Path resource(String path) {
        return Path.of(getBasedir(), "src/test/resources/same-instance", path);
    }
}
