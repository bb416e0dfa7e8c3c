package dev.mailrelay.maven;

import dev.mailrelay.config.Parameters;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.InstanceDirectory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.testing.AbstractMojoTestCase;

/** postconf and postmap as Maven configures them from the test POM. */
public class PostconfPostmapMojoTest extends AbstractMojoTestCase {

    private Path work;

    @Override
    protected void setUp() throws Exception {
        super.setUp();
        work = Files.createTempDirectory("mailrelay-postconf-test");
    }

    @Override
    protected void tearDown() throws Exception {
        Configurations.deleteTree(work);
        super.tearDown();
    }

    public void testPostconfPrintsEffectiveParametersAndTheSaslLists() throws Exception {
        PostconfMojo postconf = mojo("postconf");
        List<String> out = new ArrayList<>();
        List<String> err = new ArrayList<>();
        List<InstanceConfig> configs = postconf.configs();
        postconf.print(configs, out::add, err::add);
        assertEquals("# instance isp", out.get(0));
        assertTrue(out.contains("myhostname = mail.isp.example"));
        assertTrue(out.contains("mailrelay_hostnames = smtp.isp.example"));
        assertTrue(out.contains("mailrelay_sasl_users = texthash:" + InstanceDirectory.USERS_TABLE));
        assertTrue(out.contains("smtpd_tls_security_level = none"));
        // Defaults are there too (postconf without -n).
        assertTrue(out.stream().anyMatch(l -> l.startsWith("smtpd_banner = ")));
        assertEquals("cyrus", out.get(out.indexOf("# postconf -a (SASL server implementations)") + 1));
        assertTrue(out.get(out.indexOf("# SASL server mechanisms") + 1).contains("SCRAM-SHA-256"));
        assertFalse(String.join("\n", out).contains("pom-Secret-1"));

        setVariableValueToObject(postconf, "nonDefault", true);
        out.clear();
        postconf.print(configs, out::add, err::add);
        assertFalse(out.stream().anyMatch(l -> l.startsWith("smtpd_banner = ")));

        setVariableValueToObject(postconf, "parameters", List.of("smtpd_sasl_auth_enable", "nosuch_parameter",
                "config_directory"));
        out.clear();
        postconf.print(configs, out::add, err::add);
        // As Postfix's postconf: a warning on standard error, the others answered.
        assertTrue(err.contains("postconf: warning: nosuch_parameter: unknown parameter"));
        assertTrue(out.contains("smtpd_sasl_auth_enable = yes"));
        assertTrue(out.stream().anyMatch(l -> l.startsWith("config_directory = " + work)));
    }

    public void testPostconfNPrintsValuesAsWrittenAndNxExpanded() throws Exception {
        PostconfMojo postconf = mojo("postconf");
        List<String> out = new ArrayList<>();
        List<InstanceConfig> configs = List.of(InstanceConfig.named("t").mainCf("""
                myhostname = mail.example.org
                smtpd_banner = $myhostname ESMTP
                """));
        setVariableValueToObject(postconf, "nonDefault", true);
        postconf.print(configs, out::add, l -> { });
        assertTrue(out.contains("smtpd_banner = $myhostname ESMTP"));
        setVariableValueToObject(postconf, "expand", true);
        out.clear();
        postconf.print(configs, out::add, l -> { });
        assertTrue(out.contains("smtpd_banner = mail.example.org ESMTP"));
    }

    public void testInlinePasswordsAreMaskedEvenWithNestedBraces() throws Exception {
        PostconfMojo postconf = mojo("postconf");
        List<String> out = new ArrayList<>();
        postconf.print(List.of(InstanceConfig.named("t").mainCf(
                "smtp_sasl_password_maps = inline:{ { alice = s3cret }, bob@example.org=pw2 }\n")), out::add, l -> { });
        String all = String.join("\n", out);
        assertFalse(all, all.contains("s3cret"));
        assertFalse(all, all.contains("pw2"));
        assertTrue(out.contains("smtp_sasl_password_maps = inline:{ (hidden) }"));
    }

    public void testPostmapSearchesAddressesInPostfixOrder() throws Exception {
        Path dir = work.resolve("tables");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("virtual"), "joe@example.com joe.smith@example.com\n@example.com catchall@example.com\n");
        PostmapMojo postmap = mojo("postmap");
        setVariableValueToObject(postmap, "table", "texthash:virtual");
        Parameters params = Parameters.defaults("t").with(List.of(
                dev.mailrelay.config.Parameter.of("recipient_delimiter", "+", "test")));
        List<String> out = new ArrayList<>();

        setVariableValueToObject(postmap, "query", "joe+list@example.com");
        postmap.lookup(params, dir, out::add);
        setVariableValueToObject(postmap, "query", "ann@example.com");
        postmap.lookup(params, dir, out::add);
        // As postmap -q: the value alone.
        assertEquals(List.of("joe.smith@example.com", "catchall@example.com"), out);

        // As postmap -q exits 1 on a miss, the goal fails.
        setVariableValueToObject(postmap, "exact", true);
        try {
            postmap.lookup(params, dir, out::add);
            fail("found");
        } catch (MojoFailureException e) {
            assertEquals("mailrelay: postmap: ann@example.com not found in texthash:virtual", e.getMessage());
        }
        assertEquals(2, out.size());
    }

    @SuppressWarnings("unchecked")
    private <T> T mojo(String goal) throws Exception {
        File pom = getTestFile("src/test/resources/unit/start-stop/pom.xml");
        T mojo = (T) lookupMojo(goal, pom);
        setVariableValueToObject(mojo, "project", MojoTestSupport.project("p", work.toFile()));
        setVariableValueToObject(mojo, "session", MojoTestSupport.session());
        setVariableValueToObject(mojo, "outputDirectory", work.resolve("target/mailrelay").toFile());
        return mojo;
    }
}
