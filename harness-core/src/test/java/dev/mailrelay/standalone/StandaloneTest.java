package dev.mailrelay.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone jar's command line: its commands, help and version, the invocations of earlier
 * versions, and bad configuration refused with status 2, naming file, line and parameter.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StandaloneTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Standalone.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void rejectsBadConfigurationWithStatus2(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.cf"), "myhostname = x\nsmtpd_timeout = 3x\n");
        assertThat(run("run", "--config", dir.toString(), "--ephemeral-ports")).isEqualTo(2);
        assertThat(err()).contains(dir.resolve("main.cf").toString() + ", line 2: parameter smtpd_timeout");
    }

    @Test
    void theInvocationWithoutCommandStillRuns(@TempDir Path dir) throws Exception {
        // Earlier versions had no commands: --config DIR ... is run --config DIR ...
        Files.writeString(dir.resolve("main.cf"), "myhostname = x\nsmtpd_timeout = 3x\n");
        assertThat(run("--config", dir.toString(), "--ephemeral-ports")).isEqualTo(2);
        assertThat(err()).contains(dir.resolve("main.cf").toString() + ", line 2: parameter smtpd_timeout");
        assertThat(Standalone.legacy(new String[] {"--demo"})).containsExactly("demo");
        assertThat(Standalone.legacy(new String[] {"--api-port=0", "--config", "d"}))
                .containsExactly("run", "--api-port=0", "--config", "d");
        assertThat(Standalone.legacy(new String[] {"postconf", "-n"})).containsExactly("postconf", "-n");
    }

    @Test
    void helpListsTheCommandsAndExitsZero() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("Usage: java -jar mailrelay-standalone.jar [-hV] [COMMAND]")
                .contains("run", "demo", "postconf", "postmap", "--version");
        out.reset();
        assertThat(run("run", "--help")).isZero();
        assertThat(out()).contains("--config=DIR", "--ephemeral-ports", "--spool=DIR", "--api-port=N");
        out.reset();
        assertThat(run("help", "postmap")).isZero();
        assertThat(out()).contains("Usage: java -jar mailrelay-standalone.jar postmap [-c DIR] -q KEY [TYPE:]NAME ...");
    }

    @Test
    void versionNamesTheBuildsVersionAndExitsZero() {
        assertThat(run("--version")).isZero();
        assertThat(out().lines().findFirst().orElseThrow())
                .matches("mailrelay \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Postfix 3\\.7 semantics\\)");
    }

    @Test
    void aUsageErrorExits2WithTheUsage() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).contains("Usage: java -jar mailrelay-standalone.jar");
        err.reset();
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err()).contains("Unknown option: '--bogus'");
        err.reset();
        assertThat(run("run")).isEqualTo(2);
        assertThat(err()).contains("Missing required option: '--config=DIR'");
        err.reset();
        assertThat(run("run", "--config", "x", "--api-port", "70000")).isEqualTo(2);
        assertThat(err()).contains("--api-port needs a port number (0 to 65535): 70000");
        assertThat(out()).isEmpty();
    }

    @Test
    void exitsWith2NamingTheParameterAndLeavesNothingListening(@TempDir Path dir) throws Exception {
        int first = freePort();
        int second = freePort();
        while (second == first) {
            second = freePort();
        }
        // The first service is bound before the second's override fails: it must be closed again.
        Files.writeString(dir.resolve("main.cf"), "myhostname = mail.relay.example\ncompatibility_level = 3.6\n");
        Files.writeString(dir.resolve("master.cf"), """
                127.0.0.1:%d inet n - n - - smtpd
                127.0.0.1:%d inet n - n - - smtpd
                  -o smtpd_sasl_security_options=noanonymous,bogus_option
                """.formatted(first, second));
        assertThat(run("--config", dir.toString())).isEqualTo(2);
        assertThat(err()).contains(dir.resolve("master.cf") + ", line 2: "
                + "parameter smtpd_sasl_security_options: unknown SASL security options value \"bogus_option\"");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("READY");
        for (int port : new int[] {first, second}) {
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void refusesAReplyCodeThatUsedToFailAtRcptTime(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.cf"), "myhostname = mail.relay.example\n"
                + "relay_domains_reject_code = five-five-four\n");
        assertThat(run("--config", dir.toString(), "--ephemeral-ports")).isEqualTo(2);
        assertThat(err()).contains(dir.resolve("main.cf") + ", line 2: parameter relay_domains_reject_code: "
                + "bad numerical configuration: relay_domains_reject_code = five-five-four");
    }

    @Test
    void readsALatin1MainCfAndNamesTheLineOfAnError(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("main.cf"), ("# Gr\u00fc\u00dfe\nsmtpd_banner = $myhostname \u00e9t\u00e9\n"
                + "smtpd_timeout = 3x\n").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(run("--config", dir.toString(), "--ephemeral-ports")).isEqualTo(2);
        assertThat(err())
                .contains(dir.resolve("main.cf") + ", line 3: parameter smtpd_timeout: bad time value or unit: 3x")
                .doesNotContain("Input length");
    }

    @Test
    void postconfAnswersAsPostfixsPostconf(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.cf"), """
                myhostname = mail.example.org
                smtpd_banner = $myhostname ESMTP
                smtp_sasl_password_maps = inline:{ { alice = s3cret }, bob@example.org=pw2 }
                typo_parameter = 1
                """);
        Files.writeString(dir.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
        assertThat(run("postconf", "-c", dir.toString(), "-n")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "config_directory = " + dir.toAbsolutePath(),
                "myhostname = mail.example.org",
                "smtp_sasl_password_maps = inline:{ (hidden) }",
                "smtpd_banner = $myhostname ESMTP");
        assertThat(err()).contains("postconf: warning: " + dir.resolve("main.cf")
                + ": unused parameter: typo_parameter=1").doesNotContain("s3cret").doesNotContain("pw2");

        out.reset();
        err.reset();
        assertThat(run("postconf", "-c", dir.toString(), "-xh", "smtpd_banner", "relay_domains", "data_directory",
                "nosuch")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly("mail.example.org ESMTP",
                "mail.example.org, localhost.example.org, localhost", dir.toAbsolutePath().toString());
        assertThat(err()).contains("postconf: warning: nosuch: unknown parameter");

        out.reset();
        assertThat(run("postconf", "-c", dir.toString(), "-d", "compatibility_level", "smtputf8_enable")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly("compatibility_level = 0",
                "smtputf8_enable = ${{$compatibility_level} <level {1} ? {no} : {yes}}");

        assertThat(run("postconf", "-c", dir.resolve("none").toString(), "-n")).isEqualTo(1);
        assertThat(err()).contains("postconf: fatal: open " + dir.resolve("none/main.cf")
                + ": No such file or directory");
        assertThat(run("postconf", "-q")).isEqualTo(1);
        assertThat(err()).contains("postconf: invalid option -- 'q'", "postconf: fatal: usage: postconf");
    }

    @Test
    void postconfListsTheNamesPostfixsPostconfLists(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.cf"), """
                process_id = 5
                virtual_maps = hash:/etc/postfix/virtual
                mailrelay_sasl_users = inline:{ alice=s3cret }
                relay_destination_rate_delay = 1s
                smtpd_client_restrictions = $mua_client_restrictions, $nowhere
                """);
        Files.writeString(dir.resolve("master.cf"), """
                smtp inet n - n - - smtpd
                relay unix - - n - - smtp
                """);
        assertThat(run("postconf", "-c", dir.toString())).isZero();
        List<String> names = out.toString(StandardCharsets.UTF_8).lines().map(l -> l.substring(0, l.indexOf(" ="))).toList();
        // Built-in names, the relay service's own, and the legacy and mailrelay ones that main.cf sets.
        assertThat(names).contains("relay_destination_rate_delay", "relay_transport_rate_delay", "virtual_maps",
                "mailrelay_sasl_users").doesNotContain("uucp_time_limit", "fallback_relay",
                "mailrelay_transcript_limit", "mua_client_restrictions").isSorted();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).contains("relay_transport_rate_delay = "
                + "$default_transport_rate_delay", "relay_destination_rate_delay = 1s", "process_id =");
        assertThat(err()).contains(
                "postconf: warning: " + dir.resolve("main.cf") + ": read-only parameter assignment: process_id=5",
                "postconf: warning: " + dir.resolve("main.cf") + ": undefined parameter: mua_client_restrictions",
                "postconf: warning: " + dir.resolve("main.cf") + ": undefined parameter: nowhere")
                .doesNotContain("unused parameter").doesNotContain("s3cret");

        out.reset();
        err.reset();
        assertThat(run("postconf", "-c", dir.toString(), "-d")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(831 + 16)
                .noneMatch(l -> l.startsWith("mailrelay_") || l.startsWith("virtual_maps"));
        assertThat(err()).isEmpty();
    }

    @Test
    void postmapQueryPrintsTheValueOrExits1(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("virtual");
        Files.writeString(table, "alice@example.org alice-value\n@example.org catchall\n");
        assertThat(run("postmap", "-q", "ALICE@example.org", "texthash:" + table)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("alice-value\n");
        // Exactly the key given: postmap -q has no address search order.
        assertThat(run("postmap", "-q", "bob@example.org", "texthash:" + table)).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("alice-value\n");
        // A key that looks like an @-file of arguments is a key: postmap is Postfix's, not picocli's.
        assertThat(run("postmap", "-q", "@example.org", "texthash:" + table)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("alice-value\ncatchall\n");
        assertThat(run("postmap", "-q", "a", "nosuchtype:" + table)).isEqualTo(1);
        assertThat(err()).contains("postmap: fatal: unsupported dictionary type: nosuchtype");
        assertThat(run("postmap", "-q")).isEqualTo(1);
        assertThat(err()).contains("postmap: fatal: usage: postmap");
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
