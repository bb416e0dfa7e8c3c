package dev.mailrelay.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(LogicalLines.class);

    /** One logical line and the number of its first physical line. */
    public record Line(int number, String text) {
    }

    private LogicalLines() {
    }

    /** Reads a file; a missing file is named in the error as Postfix's dict_open does. */
    public static List<Line> read(Path file) {
        String content;
        try {
            content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("open database " + file + ": No such file or directory");
        } catch (IOException e) {
            throw new ConfigException("open database " + file + ": " + e);
        }
        return parse(content, file.toString());
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
