package dev.mailrelay.it;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Concurrent large messages against the standalone jar in a JVM with a small heap
 * ({@code message_size_limit = 0}): each client streams its message (generated, never held whole)
 * and digests what it sent; afterwards every captured message is read back through the HTTP API
 * ({@code .../raw}, streamed) and digested. Shared by {@code LargeMessagesTest} and the benchmark.
 *
 * <pre>{@code
 * LargeMessages.Outcome o = LargeMessages.run(jar, workDir, "-Xmx64m", 5, 30L << 20);
 * assertThat(o.replies()).allMatch(r -> r.startsWith("250"));
 * }</pre>
 */
public final class LargeMessages {

    /**
     * What happened.
     *
     * @param replies   each client's reply to the end of its content, in client order
     * @param sent      the digest of each client's content ("bytes:sha256")
     * @param captured  the digest of each captured message's content after the Received header,
     *                  by the client number in its {@code X-Client} header
     * @param peakRssKb the server JVM's peak resident set size (VmHWM), in kB; -1 where unknown
     * @param seconds   from the first connection to the last reply
     */
    public record Outcome(List<String> replies, List<String> sent, List<String> captured, long peakRssKb,
                          double seconds) {

        /** Every client got 250 and every capture has the content the client sent; or every client got 552. */
        public boolean allOrNothing() {
            boolean all = replies.stream().allMatch(r -> r.startsWith("250 ")) && captured.equals(sent);
            boolean none = replies.stream().allMatch(r -> r.startsWith("552 ")) && captured.stream()
                    .allMatch(String::isEmpty);
            return all || none;
        }

        public String describe() {
            return String.format(Locale.ROOT, "%d clients in %.0f s, peak RSS %d MB; replies %s; sent %s; captured %s",
                    replies.size(), seconds, peakRssKb / 1024, replies, sent, captured);
        }
    }

    private static final Duration WAIT = Duration.ofMinutes(15);
    private static final Pattern LISTENER = Pattern.compile("READY (\\S+) (\\S+) (\\S+):(\\d+)");
    private static final Pattern API = Pattern.compile("READY api (http://\\S+)");

    private LargeMessages() {
    }

    /**
     * Runs {@code clients} concurrent messages of about {@code bytes} each against the jar started
     * with {@code heapOption} (e.g. {@code -Xmx256m}), its instance directory under {@code work}.
     */
    public static Outcome run(Path jar, Path work, String heapOption, int clients, long bytes) throws Exception {
        Path config = Files.createDirectories(work.resolve("mx"));
        Files.writeString(config.resolve("main.cf"), """
                compatibility_level = 3.6
                myhostname = mx.big.example
                mydestination = $myhostname
                message_size_limit = 0
                default_transport = discard
                mailrelay_content_directory = .
                """);
        Files.writeString(config.resolve("master.cf"), "smtp inet n - n - - smtpd\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try (ExternalProcess server = ExternalProcess.start(work, List.of(java.toString(), heapOption,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-jar", jar.toString(), "--config", config.toString(),
                "--ephemeral-ports"))) {
            Matcher smtp = LISTENER.matcher(server.awaitStdoutLine(l -> LISTENER.matcher(l).matches(),
                    Duration.ofSeconds(60)));
            Matcher api = API.matcher(server.awaitStdoutLine(l -> API.matcher(l).matches(), Duration.ofSeconds(60)));
            if (!smtp.matches() || !api.matches()) {
                throw new IllegalStateException("no READY lines");
            }
            int port = Integer.parseInt(smtp.group(4));
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<String[]>> results = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    int client = i;
                    results.add(pool.submit(() -> send(port, client, bytes)));
                }
                List<String> replies = new ArrayList<>();
                List<String> sent = new ArrayList<>();
                for (Future<String[]> f : results) {
                    String[] r = f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    replies.add(r[0]);
                    sent.add(r[1]);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long rss = peakRssKb(server.pid());
                return new Outcome(replies, sent, captured(api.group(1), clients), rss, seconds);
            } finally {
                pool.shutdownNow();
                // SIGTERM: the jar stops its instance, which deletes the spool files (SIGKILL would not).
                server.terminate();
                server.awaitExit(Duration.ofSeconds(60));
            }
        }
    }

    /** One client's transaction; returns its reply to the end of DATA and "bytes:sha256" of its content. */
    private static String[] send(int port, int client, long bytes) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) WAIT.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
            expect(in, "220");
            for (String[] step : new String[][] {{"EHLO client.example", "250"}, {"MAIL FROM:<big@client.example>", "250"},
                    {"RCPT TO:<you@mx.big.example>", "250"}, {"DATA", "354"}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, step[1]);
            }
            long n = 0;
            byte[] head = ("X-Client: " + client + "\r\nSubject: large message " + client + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            sha.update(head);
            n += head.length;
            byte[] line = new byte[78];
            for (long i = 0; n < bytes; i++) {
                // 76 printable characters and CRLF; no line starts with a dot
                String text = String.format(Locale.ROOT, "client %d line %012d ", client, i);
                for (int k = 0; k < 76; k++) {
                    line[k] = k < text.length() ? (byte) text.charAt(k) : (byte) ('a' + (i + k) % 26);
                }
                line[76] = '\r';
                line[77] = '\n';
                out.write(line);
                sha.update(line);
                n += line.length;
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = expect(in, "");
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String[] {reply, n + ":" + HexFormat.of().formatHex(sha.digest())};
        }
    }

    private static String expect(InputStream in, String code) throws IOException {
        String l;
        do {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            if (c < 0 && b.length() == 0) {
                return "[closed]";
            }
            l = b.toString();
        } while (l.length() > 3 && l.charAt(3) == '-');
        if (!l.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + l);
        }
        return l;
    }

    /** Each captured message's content after the Received header, "bytes:sha256", by client number. */
    private static List<String> captured(String api, int clients) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String list = http.send(HttpRequest.newBuilder(URI.create(api + "api/instances/mx/messages")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            out.add("");
        }
        Matcher ids = Pattern.compile("\"id\"\\s*:\\s*\"([0-9A-Za-z]+)\"").matcher(list);
        while (ids.find()) {
            HttpResponse<InputStream> raw = http.send(HttpRequest.newBuilder(URI.create(api + "api/instances/mx/messages/"
                    + ids.group(1) + "/raw")).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = new BufferedInputStream(raw.body(), 65536)) {
                String[] digest = digestAfterReceived(in);
                int client = Integer.parseInt(digest[0]);
                out.set(client, out.get(client).isEmpty() ? digest[1] : out.get(client) + " AND " + digest[1]);
            }
        }
        return out;
    }

    /** Skips the Received header (up to "X-Client: "), then digests the rest; returns the client and "bytes:sha256". */
    private static String[] digestAfterReceived(InputStream in) throws Exception {
        byte[] marker = "X-Client: ".getBytes(StandardCharsets.US_ASCII);
        int matched = 0;
        int c;
        while (matched < marker.length && (c = in.read()) >= 0) {
            matched = c == marker[matched] ? matched + 1 : (c == marker[0] ? 1 : 0);
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(marker);
        StringBuilder client = new StringBuilder();
        while ((c = in.read()) >= 0 && c != '\r') {
            client.append((char) c);
            sha.update((byte) c);
        }
        long n = marker.length + client.length();
        if (c >= 0) {
            sha.update((byte) c);
            n++;
        }
        byte[] buf = new byte[65536];
        int k;
        while ((k = in.read(buf)) >= 0) {
            sha.update(buf, 0, k);
            n += k;
        }
        return new String[] {client.toString(), n + ":" + HexFormat.of().formatHex(sha.digest())};
    }

    private static long peakRssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return -1;
    }
}
