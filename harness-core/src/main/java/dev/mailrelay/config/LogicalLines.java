package dev.mailrelay.config;

import dev.mailrelay.capture.Maillog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Reads Postfix configuration text the way its readllines() does, for main.cf, master.cf and table
 * source files alike: blank lines and lines whose first non-blank character is {@code #} are
 * dropped, a line starting with whitespace continues the previous logical line. Continuation text
 * is appended as is (with its leading whitespace, without the newline), so
 * {@code "key first\n  second"} becomes {@code "key first  second"}.
 *
 * <pre>{@code
 * for (LogicalLines.Line line : LogicalLines.read(Path.of("main.cf"))) {
 *     System.out.println(line.number() + ": " + line.text());
 * }
 * }</pre>
 */
public final class LogicalLines {
    private static final Logger log = Maillog.logger(LogicalLines.class);

    /** One logical line and the number of its first physical line. */
    public record Line(int number, String text) {
    }

    private LogicalLines() {
    }

    /** Reads a table source file; a missing file is named in the error as Postfix's dict_open does. */
    public static List<Line> read(Path file) {
        return parse(readText(file, "open database " + file), file.toString());
    }

    /**
     * Reads a configuration file (main.cf, master.cf, a table source) as bytes, the way Postfix's
     * C code does: it does not need to be UTF-8 ({@link #decode}). A FIFO, directory or device is
     * refused before it is opened, so that a start never blocks on it.
     *
     * @param what how the error begins, e.g. {@code "open database /etc/postfix/sasl_passwd"}
     * @throws ConfigException naming the file when it is missing, not a regular file or unreadable
     */
    public static String readText(Path file, String what) {
        if (!Files.exists(file)) {
            throw new ConfigException(what + ": No such file or directory");
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(what + ": not a regular file");
        }
        try {
            return decode(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(what + ": No such file or directory");
        } catch (IOException e) {
            throw new ConfigException(what + ": " + e);
        }
    }

    /**
     * Postfix handles configuration text as bytes, so a main.cf or table in Latin-1 works there. Here
     * text is UTF-8, and each byte that is not part of valid UTF-8 stands for itself as ISO-8859-1:
     * nothing is lost, no read fails, and every line keeps its number.
     */
    public static String decode(byte[] bytes) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        while (true) {
            CoderResult result = utf8.decode(in, out, true);
            if (result.isUnderflow()) {
                break;
            }
            // Malformed or unmappable: those bytes as ISO-8859-1 (never overflow: one char per byte).
            for (int i = 0; i < result.length(); i++) {
                out.put((char) (in.get() & 0xff));
            }
        }
        utf8.flush(out);
        return out.flip().toString();
    }

    /** Splits text into logical lines; {@code source} names it in warnings. */
    public static List<Line> parse(String content, String source) {
        List<Line> lines = new ArrayList<>();
        StringBuilder current = null;
        int first = 0;
        String[] physical = content.split("\r?\n", -1);
        for (int i = 0; i < physical.length; i++) {
            String text = physical[i];
            int start = skipSpace(text, 0);
            // Comment and blank lines are dropped without ending the logical line they sit in.
            if (start == text.length() || text.charAt(start) == '#') {
                continue;
            }
            if (start > 0 && current != null) {
                current.append(text);
                continue;
            }
            flush(source, lines, first, current);
            current = new StringBuilder(text);
            first = i + 1;
        }
        flush(source, lines, first, current);
        return lines;
    }

    private static void flush(String source, List<Line> lines, int number, StringBuilder text) {
        if (text == null) {
            return;
        }
        // Postfix refuses text that continues nothing (it would confuse "postconf -e"); warn and skip.
        if (isSpace(text.charAt(0))) {
            log.warn("{}: logical line must not start with whitespace: \"{}\"", source, abbreviate(text));
            return;
        }
        lines.add(new Line(number, text.toString()));
    }

    private static String abbreviate(CharSequence text) {
        return text.length() > 30 ? text.subSequence(0, 30) + "..." : text.toString();
    }

    /** C isspace() in the C locale. */
    public static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    public static int skipSpace(String s, int from) {
        int i = from;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Postfix's trimblanks(): the text without trailing whitespace. */
    public static String trimTrailing(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
