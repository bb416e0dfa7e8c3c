package dev.mailrelay.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.tls.HarnessCa;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceDirectoryTest {

    @Test
    void tablesTheHarnessWritesAreCreatedForTheOwnerOnlyAndDoNotWarn(@TempDir Path dir) throws Exception {
        InstanceConfig config = InstanceDirectory.named("relay")
                .user("app", "app-Secret-1")
                .file("sasl_passwd", "[mail.isp.example]:submission relay-user:isp-Secret-2\n")
                .mainCf("smtp_sasl_password_maps = texthash:sasl_passwd\n")
                .write(dir);

        assertThat(mode(dir.resolve("sasl_users"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("sasl_passwd"))).isEqualTo("rw-------");
        assertThat(config.parameters().get("mailrelay_sasl_users")).isEqualTo("texthash:sasl_users");
        assertThat(Instance.warnReadablePasswordTables("relay", config.parameters(), config.baseDirectory())).isEmpty();
    }

    @Test
    void aUsersOwnReadableTableStillWarnsAndKeepsItsMode(@TempDir Path tmp) throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        Files.writeString(source.resolve("main.cf"), """
                smtp_sasl_password_maps = texthash:sasl_passwd
                mailrelay_sasl_users = texthash:private_users
                """);
        Files.writeString(source.resolve("sasl_passwd"), "[mail.isp.example] relay-user:isp-Secret-2\n");
        Files.setPosixFilePermissions(source.resolve("sasl_passwd"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(source.resolve("private_users"), "alice alice-Secret-3\n");
        Files.setPosixFilePermissions(source.resolve("private_users"), PosixFilePermissions.fromString("rw-------"));

        Path dir = tmp.resolve("instance");
        InstanceConfig config = InstanceDirectory.named("relay").copyOf(source).write(dir);

        assertThat(mode(dir.resolve("sasl_passwd"))).isEqualTo("rw-r--r--");
        assertThat(mode(dir.resolve("private_users"))).isEqualTo("rw-------");
        assertThat(Instance.warnReadablePasswordTables("relay", config.parameters(), config.baseDirectory()))
                .containsExactly("smtp_sasl_password_maps: password table " + dir.resolve("sasl_passwd")
                        + " is readable by other users (mode rw-r--r--); restrict it (chmod 600) as Postfix's "
                        + "SASL_README advises");
    }

    @Test
    void declaredUsersJoinTheTableMainCfNames(@TempDir Path tmp) throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        Files.writeString(source.resolve("main.cf"), "mailrelay_sasl_users = hash:users\n");
        Files.writeString(source.resolve("users"), "alice alice-Secret-3\n");

        Path dir = tmp.resolve("instance");
        InstanceConfig config = InstanceDirectory.named("isp").copyOf(source).user("bob", "bob Secret 4").write(dir);

        assertThat(config.parameters().get("mailrelay_sasl_users")).isEqualTo("hash:users");
        assertThat(config.parameters().get("smtpd_sasl_auth_enable")).isEqualTo("yes");
        assertThat(Files.readString(dir.resolve("users"))).contains("alice alice-Secret-3\n", "bob bob Secret 4\n");
        assertThat(dir.resolve(InstanceDirectory.USERS_TABLE)).doesNotExist();
    }

    @Test
    void usersCannotJoinAnInlineTable(@TempDir Path dir) {
        assertThatThrownBy(() -> InstanceDirectory.named("isp")
                .mainCf("mailrelay_sasl_users = inline:{ alice=secret }\n").user("bob", "bob-Secret").write(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("parameter mailrelay_sasl_users: instance isp declares SASL users, but "
                        + "mailrelay_sasl_users = inline:{ alice=secret } is not a table file")
                .hasMessageNotContaining("bob-Secret");
    }

    @Test
    void anExplicitSmtpdSaslAuthEnableWinsOverTheUsers(@TempDir Path dir) {
        InstanceConfig config = InstanceDirectory.named("isp").user("bob", "bob-Secret")
                .parameter("smtpd_sasl_auth_enable", "no").write(dir);
        assertThat(config.parameters().get("smtpd_sasl_auth_enable")).isEqualTo("no");
    }

    @Test
    void aMalformedUserFailsWithoutShowingThePassword(@TempDir Path dir) {
        assertThatThrownBy(() -> InstanceDirectory.named("isp").user("bob", " padded-Secret").write(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("instance isp: SASL user \"bob\": the password must be non-empty, one line, "
                        + "without leading or trailing white space");
        assertThatThrownBy(() -> InstanceDirectory.named("isp").user("bob smith", "line\nbreak").write(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("instance isp: SASL user \"bob smith\": a login must be non-empty")
                .hasMessageNotContaining("break");
    }

    @Test
    void aMisspelledMechanismFailsNamingItAndTheValidOnes(@TempDir Path dir) {
        assertThatThrownBy(() -> InstanceDirectory.named("isp").mechanisms(List.of("PLAIN", "PLAN")).write(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("instance isp: mechanisms: unknown SASL mechanism \"PLAN\" (mailrelay implements: "
                        + "SCRAM-SHA-512 SCRAM-SHA-384 SCRAM-SHA-256 SCRAM-SHA-224 SCRAM-SHA-1 DIGEST-MD5 CRAM-MD5 "
                        + "PLAIN LOGIN OAUTHBEARER XOAUTH2 ANONYMOUS)");
    }

    @Test
    void mechListGoesToTheFileOfEverySmtpdSaslPathAndKeepsItsOtherLines(@TempDir Path tmp) throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        Files.writeString(source.resolve("main.cf"), "smtpd_sasl_path = relay-smtpd\n");
        Files.createDirectories(source.resolve("sasl"));
        Files.writeString(source.resolve("sasl/relay-smtpd.conf"), "pwcheck_method: auxprop\nmech_list: CRAM-MD5\n");

        Path dir = tmp.resolve("instance");
        InstanceDirectory.named("isp").copyOf(source).mechanisms(List.of("plain", "LOGIN"))
                .masterCf("""
                        smtp inet n - n - - smtpd
                        submission inet n - n - - smtpd
                          -o smtpd_sasl_path=submission
                        """)
                .write(dir);

        assertThat(Files.readAllLines(dir.resolve("sasl/relay-smtpd.conf")))
                .containsExactly("pwcheck_method: auxprop", "mech_list: PLAIN LOGIN");
        assertThat(Files.readAllLines(dir.resolve("sasl/submission.conf")))
                .containsExactly("pwcheck_method: auxprop", "auxprop_plugin: sasldb", "mech_list: PLAIN LOGIN");
        assertThat(dir.resolve("sasl/smtpd.conf")).doesNotExist();
    }

    @Test
    void mechanismsNeedTheCyrusCompatibleBackend(@TempDir Path dir) {
        assertThatThrownBy(() -> InstanceDirectory.named("isp").mainCf("""
                        smtpd_sasl_type = dovecot
                        smtpd_sasl_path = inet:127.0.0.1:12345
                        """).mechanisms(List.of("PLAIN")).write(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("parameter smtpd_sasl_type: instance isp declares mechanisms");
    }

    @Test
    void aFileMustStayInsideTheInstanceDirectory(@TempDir Path dir) {
        assertThatThrownBy(() -> InstanceDirectory.named("isp").file("../elsewhere", "x y\n").write(dir.resolve("isp")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("file ../elsewhere: not a file name inside");
        assertThat(dir.resolve("elsewhere")).doesNotExist();
    }

    @Test
    void theSameConfigurationDirectoryReadsTheSameInPlaceAndCopied(@TempDir Path tmp) throws Exception {
        Path source = Files.createDirectories(tmp.resolve("postfix/isp"));
        Files.writeString(source.resolve("main.cf"), "myhostname = mail.isp.example\n");
        Files.createDirectories(tmp.resolve("postfix/notes"));

        Map<String, Path> inPlace = InstanceDirectory.layout(tmp.resolve("postfix"));
        Map<String, Path> copied = InstanceDirectory.copyLayout(tmp.resolve("postfix"), tmp.resolve("copy"));

        assertThat(inPlace).containsOnlyKeys("isp");
        assertThat(copied).containsOnlyKeys("isp");
        assertThat(copied.get("isp")).isEqualTo(tmp.resolve("copy/postfix/isp"));
        assertThat(InstanceDirectory.copyLayout(source, tmp.resolve("single"))).containsOnlyKeys("isp");
    }

    @Test
    void publishedPropertiesNameEveryListenerAndTheFirstUser(@TempDir Path dir) {
        InstanceConfig isp = InstanceDirectory.named("isp").user("alice", "alice-Secret-5")
                .masterCf("127.0.0.1:submission inet n - n - - smtpd\nsmtp inet n - n - - smtpd\n")
                .write(dir.resolve("isp"));
        try (Harness h = Harness.start(List.of(isp), true)) {
            Instance i = h.instance("isp");
            int submission = i.port("127.0.0.1:submission");
            Map<String, String> p = PublishedProperties.of(h).users("isp", Map.of("alice", "alice-Secret-5"))
                    .entry("isp").api(java.net.URI.create("http://127.0.0.1:8025/")).toMap();
            assertThat(p).containsEntry("spring.mail.host", "127.0.0.1")
                    .containsEntry("spring.mail.port", String.valueOf(submission))
                    .containsEntry("spring.mail.username", "alice")
                    .containsEntry("spring.mail.password", "alice-Secret-5")
                    .containsEntry("mailrelay.isp.host", "127.0.0.1")
                    .containsEntry("mailrelay.isp.port", String.valueOf(submission))
                    .containsEntry("mailrelay.isp.127.0.0.1:submission.port", String.valueOf(submission))
                    .containsEntry("mailrelay.isp.submission.port", String.valueOf(submission))
                    .containsEntry("mailrelay.isp.smtp.port", String.valueOf(i.port("smtp")))
                    .containsEntry("mailrelay.isp.username", "alice")
                    .containsEntry("mailrelay.isp.password", "alice-Secret-5")
                    .containsEntry("mailrelay.api.url", "http://127.0.0.1:8025/")
                    .containsEntry("mailrelay.api.port", "8025");
            assertThat(PublishedProperties.of(h).toMap()).doesNotContainKeys("spring.mail.host", "mailrelay.isp.password");
        }
    }

    @Test
    void anEntryOfferingTlsWithTheHarnessCertificatePublishesASpringSslBundleTrustingTheCa(@TempDir Path dir)
            throws Exception {
        InstanceConfig relay = InstanceDirectory.named("relay").parameter("smtpd_tls_security_level", "may")
                .write(dir.resolve("relay"));
        InstanceConfig plain = InstanceDirectory.named("plain").write(dir.resolve("plain"));
        try (Harness h = Harness.start(List.of(relay, plain), true)) {
            Map<String, String> p = PublishedProperties.of(h).entry("relay").toMap();
            assertThat(p).containsEntry("spring.mail.ssl.bundle", "mailrelay");
            Path ca = Path.of(URI.create(p.get("spring.ssl.bundle.pem.mailrelay.truststore.certificate")));
            assertThat(ca).isEqualTo(dir.resolve("relay").resolve(PublishedProperties.CA_FILE));
            assertThat(Files.readString(ca)).isEqualTo(HarnessCa.certificatePem());
            assertThat(PublishedProperties.of(h).entry("relay").toMap()).isEqualTo(p);

            // What Spring Boot makes of the bundle: Jakarta Mail's STARTTLS (required) with a socket
            // factory trusting that file alone, checking the server's identity.
            Properties props = new Properties();
            props.put("mail.smtp.host", p.get("spring.mail.host"));
            props.put("mail.smtp.port", p.get("spring.mail.port"));
            props.put("mail.smtp.starttls.enable", "true");
            props.put("mail.smtp.starttls.required", "true");
            props.put("mail.smtp.ssl.checkserveridentity", "true");
            props.put("mail.smtp.ssl.socketFactory", trusting(ca));
            Transport t = Session.getInstance(props).getTransport("smtp");
            t.connect();
            t.close();
            assertThat(h.instance("relay").capture().awaitEndedSessions(1, java.time.Duration.ofSeconds(10)).get(0).tls()).isNotNull();

            // No TLS offered: nothing to trust, nothing published.
            assertThat(PublishedProperties.of(h).entry("plain").toMap())
                    .doesNotContainKeys("spring.mail.ssl.bundle", "spring.ssl.bundle.pem.mailrelay.truststore.certificate");
            assertThat(dir.resolve("plain").resolve(PublishedProperties.CA_FILE)).doesNotExist();
        }
    }

    private static SSLSocketFactory trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(pem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
