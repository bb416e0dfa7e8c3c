package dev.mailrelay;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The log lines written since a mark, for tests that assert what the harness logs. slf4j-simple, the
 * tests' binding, writes to the file {@code org.slf4j.simpleLogger.logFile} names and flushes each
 * line; harness-core's pom runs every {@code *LogLinesTest} in a fork of its own that sets it, at INFO
 * (elsewhere such a test is skipped). The harness logs before it replies, so a line is in the file
 * once the client has the reply it goes with.
 *
 * <pre>{@code
 * LogLines log = LogLines.mark();
 * // ... a session that gets a reply
 * assertThat(log.messages()).contains("isp/smtpd[3]: NOQUEUE: reject: RCPT from ...");
 * }</pre>
 */
public final class LogLines {

    /** slf4j-simple's line: {@code [thread] LEVEL logger - message}. */
    private static final Pattern LINE = Pattern.compile("\\[[^\\]]*] [A-Z]+ \\S+ - (.*)");

    private final Path file;
    private final long start;

    private LogLines(Path file, long start) {
        this.file = file;
        this.start = start;
    }

    /** Marks the end of the log as it is now; skips the calling test outside the log-lines fork. */
    public static LogLines mark() {
        String name = System.getProperty("org.slf4j.simpleLogger.logFile");
        assumeTrue(name != null && !name.startsWith("System."),
                "asserts log lines: runs in harness-core's log-lines fork (see its pom)");
        Path file = Path.of(name);
        // slf4j-simple truncates the file when it starts: before the mark, not after it.
        LoggerFactory.getLogger(LogLines.class);
        try {
            return new LogLines(file, Files.exists(file) ? Files.size(file) : 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The messages logged since the mark, without slf4j-simple's prefix. */
    public List<String> messages() {
        try {
            byte[] all = Files.readAllBytes(file);
            String text = new String(Arrays.copyOfRange(all, (int) start, all.length), StandardCharsets.UTF_8);
            return text.lines().map(l -> {
                Matcher m = LINE.matcher(l);
                return m.matches() ? m.group(1) : l;
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
