package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mailrelay_queue_directory: the standalone jar accepts mail while its upstream is down, is killed
 * with SIGKILL (no shutdown hook runs), and after a restart with the upstream up delivers that mail.
 */
@Timeout(120)
class DurableQueueCrashTest {

    @TempDir
    Path dir;

    @Test
    void acceptedMailSurvivesKillDashNine() throws Exception {
        Path jar = Path.of(System.getProperty("mailrelay.standaloneJar",
                "../harness-core/target/mailrelay-standalone.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            fail("the standalone jar " + jar + " is missing: build through the reactor (mvn verify)");
        }
        int upstreamPort;
        try (ServerSocket s = new ServerSocket(0)) {
            upstreamPort = s.getLocalPort();
        }
        Path relay = Files.createDirectories(dir.resolve("relay"));
        Files.writeString(relay.resolve("main.cf"), """
                compatibility_level = 3.6
                myhostname = relay.box.local
                relayhost = [127.0.0.1]:%d
                mailrelay_queue_directory = queue
                smtp_connect_timeout = 2s
                """.formatted(upstreamPort));
        Files.writeString(relay.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
        int messages = 3;
        Process first = start(jar, relay);
        try {
            int port = readyPort(first);
            for (int i = 0; i < messages; i++) {
                submit(port, "durable " + i);
            }
        } finally {
            first.destroyForcibly();   // SIGKILL
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (Stream<Path> files = Files.list(relay.resolve("queue"))) {
            assertThat(files.filter(p -> !p.toString().endsWith(".tmp")).count()).isEqualTo(messages);
        }
        try (Harness upstream = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                default_transport = discard
                """).masterCf("127.0.0.1:" + upstreamPort + " inet n - n - - smtpd")), false)) {
            Process second = start(jar, relay);
            try {
                readyPort(second);
                List<CapturedMessage> got = upstream.instance("isp").capture()
                        .awaitMessages(messages, Duration.ofSeconds(30));
                assertThat(got).extracting(CapturedMessage::subject)
                        .containsExactlyInAnyOrder("durable 0", "durable 1", "durable 2");
                upstream.instance("isp").capture().awaitEndedSessions(1, Duration.ofSeconds(30));
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(upstream.instance("isp").capture().messages()).hasSize(messages);
        }
        try (Stream<Path> files = Files.list(relay.resolve("queue"))) {
            assertThat(files.toList()).as("delivered mail leaves the queue directory").isEmpty();
        }
    }

    private static Process start(Path jar, Path config) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-jar", jar.toString(), "--config", config.toString(),
                "--ephemeral-ports").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static int readyPort(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
            }
        }
        throw new AssertionError("the standalone jar exited before READY");
    }

    private static void submit(int port, String subject) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            for (String[] step : new String[][] {{"EHLO app", "250"}, {"MAIL FROM:<me@relay.box.local>", "250"},
                    {"RCPT TO:<friend@elsewhere.example>", "250"}, {"DATA", "354"},
                    {"Subject: " + subject + "\r\n\r\nbody\r\n.", "250"}, {"QUIT", "221"}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                expect(in, step[1]);
            }
        }
    }

    private static void expect(BufferedReader in, String code) throws Exception {
        String l;
        do {
            l = in.readLine();
            if (l == null) {
                throw new AssertionError("connection closed, expected " + code);
            }
        } while (l.length() > 3 && l.charAt(3) == '-');
        assertThat(l).startsWith(code);
    }
}
