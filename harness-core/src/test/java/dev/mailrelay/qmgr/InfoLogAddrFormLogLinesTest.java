package dev.mailrelay.qmgr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.LogLines;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * info_log_address_format: Postfix 3.7 logs envelope addresses in external form by default
 * ({@code from=<"a b"@example.com>}, as quote_822_local() writes it) in smtpd's NOQUEUE reject lines,
 * qmgr's {@code from=<...>} lines and the delivery agents' {@code to=<...>} lines; {@code internal}
 * logs them unquoted. The capture keeps the internal form either way.
 */
@Timeout(60)
class InfoLogAddrFormLogLinesTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    static InstanceConfig box(String name, String form) {
        return InstanceConfig.named(name).mainCf("""
                myhostname = %s.box.local
                mynetworks = 127.0.0.0/8
                default_transport = discard
                %s
                """.formatted(name, form)).masterCf("""
                smtp inet n - n - - smtpd
                outside inet n - n - - smtpd
                  -o mynetworks=10.0.0.0/8
                """);
    }

    @Test
    void externalByDefaultInternalOnRequest() throws Exception {
        try (Harness h = Harness.start(List.of(box("ext", ""), box("int", "info_log_address_format = internal")),
                true)) {
            LogLines log = LogLines.mark();
            Instance ext = h.instance("ext");
            Instance in = h.instance("int");
            send(ext.port("smtp"), true);
            send(ext.port("outside"), false);
            send(in.port("smtp"), true);
            send(in.port("outside"), false);
            CapturedMessage m = ext.capture().awaitMessage(x -> true, WAIT);
            assertThat(m.sender()).isEqualTo("a b@example.com");          // the capture: internal form
            ext.capture().awaitDeliveries(1, WAIT);
            in.capture().awaitDeliveries(1, WAIT);
            List<String> lines = log.messages();
            assertThat(lines).anyMatch(l -> l.startsWith("ext/qmgr: ") && l.contains(
                    ": from=<\"a b\"@example.com>, size="));
            assertThat(lines).anyMatch(l -> l.startsWith("ext/discard[") && l.contains(
                    ": to=<\"c d\"@remote.example>, relay=none"));
            assertThat(lines).anyMatch(l -> l.startsWith("ext/smtpd[") && l.contains("NOQUEUE: reject: RCPT from")
                    && l.contains("; from=<\"a b\"@example.com> to=<\"c d\"@remote.example> proto=ESMTP"));
            assertThat(lines).anyMatch(l -> l.startsWith("int/qmgr: ") && l.contains(
                    ": from=<a b@example.com>, size="));
            assertThat(lines).anyMatch(l -> l.startsWith("int/discard[") && l.contains(
                    ": to=<c d@remote.example>, relay=none"));
            assertThat(lines).anyMatch(l -> l.startsWith("int/smtpd[") && l.contains("NOQUEUE: reject: RCPT from")
                    && l.contains("; from=<a b@example.com> to=<c d@remote.example> proto=ESMTP"));
        }
    }

    /** A message from {@code "a b"@example.com} to {@code "c d"@remote.example}; refused when not relayed. */
    static void send(int port, boolean relayed) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            reply(in);
            command(in, out, "EHLO c");
            assertThat(command(in, out, "MAIL FROM:<\"a b\"@example.com>")).startsWith("250");
            String rcpt = command(in, out, "RCPT TO:<\"c d\"@remote.example>");
            if (!relayed) {
                assertThat(rcpt).contains("Relay access denied");
                return;
            }
            assertThat(rcpt).startsWith("250");
            assertThat(command(in, out, "DATA")).startsWith("354");
            assertThat(command(in, out, "Subject: q\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as");
            command(in, out, "QUIT");
        }
    }

    private static String command(BufferedReader in, OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reply(in);
    }

    /** The last line of a reply. */
    private static String reply(BufferedReader in) throws IOException {
        String l;
        do {
            l = in.readLine();
        } while (l != null && l.length() > 3 && l.charAt(3) == '-');
        return l;
    }
}
