package dev.mailrelay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of harness-core import one another in one direction only, the way Postfix is built:
 * a daemon hands mail on to the next (smtpd to cleanup, cleanup to the queue manager, the queue
 * manager to a delivery agent) and never reaches back against that flow; what two daemons share
 * lives in a library below them all (Postfix's src/global, here {@code dev.mailrelay.global}), never
 * in one of the daemons. Every main source file's references to {@code dev.mailrelay.X} (imports and
 * fully qualified names in code) are checked against {@link #LAYERS}.
 */
class ImportDirectionTest {

    /**
     * Top first. A package may use the packages of the layers below its own, never those of its own
     * layer (peers) or above. A new package goes in here, with the reason for its place.
     */
    static final List<Layer> LAYERS = List.of(
            new Layer("postfix(1): the command-line runner and the demo; nothing uses it", "standalone"),
            new Layer("the HTTP control API: reads and drives running instances", "api"),
            new Layer("master(8): starts an instance's daemons and wires them together", "master"),
            new Layer("smtpd(8): receives mail and hands it to cleanup", "smtpd"),
            new Layer("injected faults: the rules smtpd consults; they know no daemon", "faults"),
            new Layer("cleanup(8) and trivial-rewrite(8): rewrites mail and hands it to the queue", "cleanup"),
            new Layer("qmgr(8): queues mail and hands it to a delivery agent", "qmgr"),
            new Layer("the delivery agents smtp(8) and local(8): the end of the flow; neither uses the other",
                    "smtp", "local"),
            new Layer("libtls, libxsasl, libdns: the libraries the daemons link, above libglobal as in Postfix",
                    "tls", "xsasl", "dns"),
            new Layer("libglobal (src/global): code every daemon shares, so no daemon imports another", "global"),
            new Layer("libutil's dict_*: lookup tables, read as configuration", "tables"),
            new Layer("main.cf and master.cf (mail_conf, mail_params): parameters and their errors", "config"),
            new Layer("the maillog and the queue files: what every stage records and tests assert on", "capture"),
            new Layer("the artifact mailrelay-client: the API's JSON documents and Java client, needing no harness",
                    "client"));

    static final Path SOURCES = Path.of("src/main/java/dev/mailrelay");

    record Layer(String why, Set<String> packages) {
        Layer(String why, String... packages) {
            this(why, Set.of(packages));
        }
    }

    @Test
    void everyMainSourceFileImportsOnlyDownward() throws IOException {
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                sources.put(SOURCES.relativize(f).toString().replace('\\', '/'),
                        Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        assertThat(sources).as("main sources under " + SOURCES.toAbsolutePath()).hasSizeGreaterThan(100);
        assertThat(violations(sources)).as("uses against the layer order of ImportDirectionTest.LAYERS").isEmpty();
    }

    @Test
    void anUpwardImportIsNamedWithItsFileAndLine() {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("smtp/Upward.java", """
                package dev.mailrelay.smtp;

                import dev.mailrelay.global.AddressHeaders;
                import dev.mailrelay.cleanup.Cleanup;

                /** Mentions dev.mailrelay.smtpd.SmtpdServer only in a comment. */
                final class Upward {
                    String logger = "dev.mailrelay.qmgr.QueueManager";
                    Object peer = dev.mailrelay.local.Mailboxes.class;
                }
                """);
        sources.put("unknown/Stray.java", "package dev.mailrelay.unknown;\nfinal class Stray {}\n");

        assertThat(violations(sources)).containsExactly(
                "smtp/Upward.java:4 uses dev.mailrelay.cleanup.Cleanup (package cleanup): "
                        + "smtp may use only the layers below its own",
                "smtp/Upward.java:9 uses dev.mailrelay.local.Mailboxes (package local): "
                        + "smtp may use only the layers below its own",
                "unknown/Stray.java:1 is in package unknown, which no layer of ImportDirectionTest.LAYERS names");
    }

    /** {@code dev.mailrelay.pkg.Class} in code: an import or a fully qualified name. */
    private static final Pattern USE = Pattern.compile(
            "\\bdev\\.mailrelay\\.([a-z][a-z0-9]*)(?:\\.[a-z]\\w*)*(?:\\.[A-Z]\\w*)?");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+dev\\.mailrelay\\.([a-z][a-z0-9]*)",
            Pattern.MULTILINE);

    /** One line per use against the order: {@code file:line uses class (package p): why}. */
    static List<String> violations(Map<String, String> sources) {
        Map<String, Integer> rank = new LinkedHashMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String p : LAYERS.get(i).packages()) {
                rank.put(p, i);
            }
        }
        List<String> out = new ArrayList<>();
        sources.forEach((file, text) -> {
            String code = codeOnly(text);
            Matcher pkg = PACKAGE.matcher(code);
            if (!pkg.find()) {
                return;
            }
            String own = pkg.group(1);
            Integer ownRank = rank.get(own);
            if (ownRank == null) {
                out.add(file + ":" + lineOf(code, pkg.start(1)) + " is in package " + own
                        + ", which no layer of ImportDirectionTest.LAYERS names");
                return;
            }
            Matcher use = USE.matcher(code);
            use.region(pkg.end(), code.length());
            while (use.find()) {
                String used = use.group(1);
                Integer usedRank = rank.get(used);
                if (used.equals(own) || (usedRank != null && usedRank > ownRank)) {
                    continue;
                }
                out.add(file + ":" + lineOf(code, use.start()) + " uses " + use.group() + " (package " + used + "): "
                        + own + " may use only the layers below its own");
            }
        });
        return out;
    }

    /** The source with comments and string and character literals blanked, line breaks kept. */
    static String codeOnly(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            String open = s.startsWith("//", i) ? "//" : s.startsWith("/*", i) ? "/*"
                    : s.startsWith("\"\"\"", i) ? "\"\"\"" : s.startsWith("\"", i) ? "\""
                    : s.startsWith("'", i) ? "'" : null;
            if (open == null) {
                b.append(s.charAt(i++));
                continue;
            }
            String close = open.equals("//") ? "\n" : open.equals("/*") ? "*/" : open;
            boolean literal = !open.startsWith("/");
            int j = i + open.length();
            while (j < s.length() && !s.startsWith(close, j)) {
                j += literal && s.charAt(j) == '\\' ? 2 : 1;
            }
            j = Math.min(s.length(), j + (open.equals("//") ? 0 : close.length()));
            for (int k = i; k < j; k++) {
                b.append(s.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = j;
        }
        return b.toString();
    }

    private static int lineOf(String s, int offset) {
        int line = 1;
        for (int k = 0; k < offset; k++) {
            if (s.charAt(k) == '\n') {
                line++;
            }
        }
        return line;
    }
}
