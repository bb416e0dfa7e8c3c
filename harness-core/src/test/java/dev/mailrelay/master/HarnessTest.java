package dev.mailrelay.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HarnessTest {

    @Test
    void startsEveryMasterCfSmtpdServiceWithItsOverrides() throws Exception {
        try (Harness h = Harness.start(List.of(InstanceConfig.named("isp")
                .mainCf("myhostname = mail.isp.example\n")
                .masterCf("""
                        smtp inet n - y - - smtpd
                        submission inet n - n - - smtpd
                          -o { smtpd_banner = $myhostname ESMTP submission }
                        pickup unix n - y 60 1 pickup
                        """)), true)) {
            Instance isp = h.instance("isp");
            assertThat(isp.listeners()).extracting(Instance.Listener::service).containsExactly("smtp", "submission");
            assertThat(greeting(isp.port("smtp"))).isEqualTo("220 mail.isp.example ESMTP Postfix");
            assertThat(greeting(isp.port("submission"))).isEqualTo("220 mail.isp.example ESMTP submission");
        }
    }

    @Test
    void aBadValueFailsTheStartAndStopsWhatStarted() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        InstanceConfig good = InstanceConfig.named("good").masterCf("127.0.0.1:" + port + " inet n - n - - smtpd");
        InstanceConfig bad = InstanceConfig.named("bad").mainCf("myhostname = x\nsmtpd_timeout = 3x\n")
                .masterCf("smtp inet n - n - - smtpd");
        assertThatThrownBy(() -> Harness.start(List.of(good, bad), false))
                .isInstanceOf(ConfigException.class)
                .hasMessage("bad main.cf text, line 2: parameter smtpd_timeout: bad time value or unit: 3x");
        // The instance that had started is stopped again: its port is free.
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void instancesStartSideBySideAndTheFirstFailureInConfigurationOrderIsThrown() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        InstanceConfig first = InstanceConfig.named("first").mainCf("myhostname = x\nsmtpd_timeout = 1y\n")
                .masterCf("smtp inet n - n - - smtpd");
        InstanceConfig good = InstanceConfig.named("good").masterCf("127.0.0.1:" + port + " inet n - n - - smtpd");
        InstanceConfig third = InstanceConfig.named("third").mainCf("myhostname = x\nsmtpd_timeout = 3x\n")
                .masterCf("smtp inet n - n - - smtpd");
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> Harness.start(List.of(first, good, third), false))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("first main.cf text, line 2: parameter smtpd_timeout: bad time value or unit: 1y");
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
        }
        try (Harness h = Harness.start(List.of(InstanceConfig.named("b").masterCf("smtp inet n - n - - smtpd"),
                InstanceConfig.named("a").masterCf("smtp inet n - n - - smtpd")), true)) {
            assertThat(h.instances()).extracting(Instance::name).containsExactly("b", "a");
        }
    }

    @Test
    void delayLoggingResolutionLimitIsRangeCheckedAtStart() {
        // Postfix's mail_conf_int range check: 0..6 decimals of a delivery log line's delay=.
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("r")
                .mainCf("myhostname = x\ndelay_logging_resolution_limit = 7\n")
                .masterCf("smtp inet n - n - - smtpd")), true).close())
                .isInstanceOf(ConfigException.class)
                .hasMessage("r main.cf text, line 2: parameter delay_logging_resolution_limit: invalid "
                        + "delay_logging_resolution_limit parameter value 7 > 6");
    }

    @Test
    void anOpenRelayConfigurationIsRefused() {
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("open")
                .mainCf("smtpd_relay_restrictions =\nsmtpd_recipient_restrictions = permit\n")
                .masterCf("smtp inet n - n - - smtpd")), true).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("specify at least one working instance of: reject_unauth_destination");
    }

    @Test
    void fromLayoutFindsOneInstancePerSubdirectory(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("relay"));
        Files.createDirectories(dir.resolve("isp"));
        Files.createDirectories(dir.resolve("notes"));
        Files.writeString(dir.resolve("relay/main.cf"), "myhostname = relay.example\n");
        Files.writeString(dir.resolve("isp/main.cf"), "myhostname = mail.isp.example\n");
        assertThat(InstanceConfig.fromLayout(dir)).extracting(InstanceConfig::name).containsExactly("isp", "relay");
        assertThatThrownBy(() -> InstanceConfig.fromLayout(dir.resolve("notes")))
                .hasMessageContaining("no main.cf");
    }

    private static String greeting(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        } catch (ConnectException e) {
            throw new AssertionError("nothing listens on " + port, e);
        }
    }
}
