package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The README is a contract the build executes: every fenced code block in it is either the text of
 * a tagged region of a file the build runs (a test, an invoker project, a configuration a test
 * starts), or a shell command this test runs as a user would, from the root of a copy of the
 * checkout, in README order. A block carries its marker on the line just above its fence:
 *
 * <pre>
 * &lt;!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/readme/QuickStartTest.java#quickstart --&gt;
 * &lt;!-- snippet: it/src/test/resources/readme/standalone/server/main.cf --&gt;   (the whole file)
 * &lt;!-- run --&gt;                  the block's commands must exit 0
 * &lt;!-- run until: READY api --&gt;  runs until stdout has a line starting with the text, then SIGTERM
 * &lt;!-- ci --&gt;                   the command .ci/run ends with (CI runs it)
 * &lt;!-- not run: reason --&gt;       a command too long for every build, with the reason; at most one
 * </pre>
 *
 * <p>A region is delimited in its file by lines containing {@code tag::NAME[]} and
 * {@code end::NAME[]} (in a comment of the file's language); it is compared without its common
 * indentation. {@code -Dreadme.update=true} rewrites the README's snippet blocks from their sources.
 *
 * <p>The examples in the Javadoc of the published modules are held to the same contract: every
 * <code>&lt;pre&gt;{&#64;code</code> block in their main sources carries, on the comment line just above it, a
 * marker {@code <!-- snippet: path#tag -->} (its text is that region of a test the build runs, and
 * {@code -Dreadme.update=true} rewrites it too) or, for a fragment that cannot be complete (a shell
 * session whose output names ephemeral ports), {@code <!-- not run: reason -->}. Packages whose
 * Javadoc is for the harness's own developers, not for users, are listed with the reason.
 */
class ReadmeContractTest {

    private static final Pattern FENCE = Pattern.compile("^```(\\S*)\\s*$");
    private static final Pattern MARKER = Pattern.compile("^<!--\\s*(snippet|run until|run|ci|not run)\\s*(?::\\s*(.*?))?\\s*-->\\s*$");
    private static final int MAX_NOT_RUN = 1;

    private static final Path ROOT = locateRoot();
    private static final Path README = ROOT.resolve("README.md");

    /** The modules whose jars (and Javadoc) are published. */
    private static final List<String> PUBLISHED_MODULES = List.of("client", "harness-core", "junit-extension", "plugin");
    /** Packages of published modules whose Javadoc examples are for the harness's developers, with why. */
    private static final Map<String, String> INTERNAL_PACKAGES = internalPackages();
    private static final Pattern JAVADOC_PRE = Pattern.compile("^(\\s*)\\*\\s*<pre>\\{@code\\s*$");
    private static final Pattern JAVADOC_PRE_END = Pattern.compile("^\\s*\\*\\s*}</pre>\\s*$");
    private static final Pattern JAVADOC_MARKER =
            Pattern.compile("^\\s*\\*\\s*<!--\\s*(snippet|not run)\\s*:\\s*(.*?)\\s*-->\\s*$");
    private static final int MAX_JAVADOC_NOT_RUN = 3;
    /** The declaration of a file's top-level type (at column 0; nested types are indented). */
    private static final Pattern TOP_LEVEL_TYPE =
            Pattern.compile("^(?:(?:public|final|abstract|sealed|non-sealed|strictfp)\\s+)*(?:class|interface|record|enum|@interface)\\s.*");

    /** One fenced block: its position, language, marker (null when unmarked) and text. */
    record Block(int line, String language, String kind, String argument, String text, int firstTextLine,
                 int closingLine) {

        String describe() {
            return "README.md line " + line + " (```" + language + ")";
        }
    }

    @TestFactory
    Stream<DynamicTest> everyReadmeBlockIsExecutedByTheBuild() throws IOException {
        List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
        List<Block> blocks = blocks(lines);
        if (Boolean.getBoolean("readme.update")) {
            update(lines, blocks);
            blocks = blocks(Files.readAllLines(README, StandardCharsets.UTF_8));
        }
        long notRun = blocks.stream().filter(b -> "not run".equals(b.kind())).count();
        assertThat(notRun).as("blocks marked <!-- not run: ... --> (at most %d)", MAX_NOT_RUN)
                .isLessThanOrEqualTo(MAX_NOT_RUN);
        Workspace workspace = new Workspace();
        List<DynamicTest> tests = new ArrayList<>();
        for (Block b : blocks) {
            tests.add(DynamicTest.dynamicTest(b.describe() + " " + (b.kind() == null ? "unmarked" : b.kind()),
                    () -> check(b, workspace)));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyJavadocExampleIsExecutedByTheBuild() throws IOException {
        List<JavadocExample> examples = new ArrayList<>();
        for (Path source : publishedSources()) {
            List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
            List<JavadocExample> found = javadocExamples(source, lines);
            if (Boolean.getBoolean("readme.update") && found.stream().anyMatch(e -> "snippet".equals(e.kind()))) {
                updateJavadoc(source, lines, found);
                found = javadocExamples(source, Files.readAllLines(source, StandardCharsets.UTF_8));
            }
            examples.addAll(found);
        }
        assertThat(examples).as("Javadoc examples found in " + PUBLISHED_MODULES).isNotEmpty();
        long notRun = examples.stream().filter(e -> "not run".equals(e.kind())).count();
        assertThat(notRun).as("Javadoc examples marked <!-- not run: ... --> (at most %d)", MAX_JAVADOC_NOT_RUN)
                .isLessThanOrEqualTo(MAX_JAVADOC_NOT_RUN);
        return examples.stream().map(e -> DynamicTest.dynamicTest(e.describe(), () -> check(e)));
    }

    /** One <code>&lt;pre&gt;{&#64;code</code> example of a Javadoc comment: marker (null when unmarked) and text. */
    record JavadocExample(Path file, int line, String kind, String argument, String prefix, String text,
                          int firstTextLine, int closingLine) {

        String describe() {
            return ROOT.relativize(file) + " line " + line;
        }
    }

    private static void check(JavadocExample e) throws IOException {
        if (e.kind() == null) {
            fail(e.describe() + ": a Javadoc example users copy must be run by the build: put it in a test of the "
                    + "module whose API it shows and mark it on the line above <pre>{@code with "
                    + "<!-- snippet: path#tag --> (then -Dreadme.update=true copies it), or <!-- not run: REASON -->");
        }
        if ("not run".equals(e.kind())) {
            assertThat(e.argument()).as(e.describe() + ": <!-- not run: REASON --> needs its reason").isNotBlank();
            return;
        }
        String snippet = snippet(e.argument());
        assertThat(snippet).as(e.argument() + " (a Javadoc comment cannot hold it)").doesNotContain("*/");
        assertThat(snippet.chars().filter(c -> c == '{').count()).as(e.argument() + ": {@code ...} needs balanced braces")
                .isEqualTo(snippet.chars().filter(c -> c == '}').count());
        assertThat(e.text()).as(e.describe() + " must equal " + e.argument()
                + " (run the it module's ReadmeContractTest with -Dreadme.update=true to copy it)").isEqualTo(snippet);
    }

    private static List<Path> publishedSources() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String module : PUBLISHED_MODULES) {
            Path main = ROOT.resolve(module).resolve("src/main/java");
            try (Stream<Path> walk = Files.walk(main)) {
                walk.filter(p -> p.toString().endsWith(".java"))
                        .filter(p -> !INTERNAL_PACKAGES.containsKey(main.relativize(p.getParent()).toString().replace('/', '.')))
                        .filter(ReadmeContractTest::declaresPublicType)
                        .sorted().forEach(out::add);
            }
        }
        return out;
    }

    /**
     * Whether a source's top-level type is public: the Javadoc of a package-private type is not
     * published, so users never see (nor copy) its examples.
     */
    private static boolean declaresPublicType(Path source) {
        try (Stream<String> lines = Files.lines(source, StandardCharsets.UTF_8)) {
            return lines.filter(l -> TOP_LEVEL_TYPE.matcher(l).matches()).findFirst()
                    .map(l -> l.startsWith("public ")).orElse(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JavadocExample> javadocExamples(Path file, List<String> lines) {
        List<JavadocExample> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = JAVADOC_PRE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            int close = i + 1;
            while (close < lines.size() && !JAVADOC_PRE_END.matcher(lines.get(close)).matches()) {
                close++;
            }
            if (close == lines.size()) {
                throw new AssertionError(file + " line " + (i + 1) + ": <pre>{@code never closed by }</pre>");
            }
            String kind = null;
            String argument = null;
            Matcher m = i > 0 ? JAVADOC_MARKER.matcher(lines.get(i - 1)) : null;
            if (m != null && m.matches()) {
                kind = m.group(1);
                argument = m.group(2);
            }
            List<String> text = new ArrayList<>();
            for (String l : lines.subList(i + 1, close)) {
                text.add(l.replaceFirst("^\\s*\\*( |$)", ""));
            }
            out.add(new JavadocExample(file, i + 1, kind, argument, open.group(1) + "* ",
                    String.join("\n", text).stripTrailing(), i + 1, close));
            i = close;
        }
        return out;
    }

    private static void updateJavadoc(Path file, List<String> lines, List<JavadocExample> examples) throws IOException {
        List<String> out = new ArrayList<>(lines);
        for (int k = examples.size() - 1; k >= 0; k--) {
            JavadocExample e = examples.get(k);
            if (!"snippet".equals(e.kind())) {
                continue;
            }
            List<String> replacement = new ArrayList<>();
            for (String l : snippet(e.argument()).split("\n", -1)) {
                replacement.add(l.isEmpty() ? e.prefix().stripTrailing() : e.prefix() + l);
            }
            for (int j = e.closingLine() - 1; j >= e.firstTextLine(); j--) {
                out.remove(j);
            }
            out.addAll(e.firstTextLine(), replacement);
        }
        if (!out.equals(lines)) {
            Files.write(file, out, StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> internalPackages() {
        String daemon = "a daemon's internals, used by the harness itself; users configure it with main.cf parameters";
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dev.mailrelay.config", daemon);
        m.put("dev.mailrelay.tables", daemon);
        m.put("dev.mailrelay.smtpd", daemon);
        m.put("dev.mailrelay.xsasl", daemon);
        m.put("dev.mailrelay.tls", daemon + "; users get trust material from RelayInstance or the API");
        m.put("dev.mailrelay.cleanup", daemon);
        m.put("dev.mailrelay.qmgr", daemon);
        m.put("dev.mailrelay.smtp", daemon);
        m.put("dev.mailrelay.dns", daemon);
        m.put("dev.mailrelay.global", daemon);
        m.put("dev.mailrelay.local", daemon);
        m.put("dev.mailrelay.standalone", "the jar's main class; its commands are the README's, which runs them");
        return m;
    }

    private static void check(Block b, Workspace workspace) throws IOException {
        if (b.kind() == null) {
            fail(b.describe() + " is not executed by the build: put it in a test (or an invoker project) and mark it "
                    + "<!-- snippet: path#tag -->, or mark a shell command <!-- run -->");
        }
        switch (b.kind()) {
            case "snippet" -> assertThat(b.text()).as(b.describe() + " must equal " + b.argument()
                    + " (run the it module's tests with -Dreadme.update=true to copy it into the README)")
                    .isEqualTo(snippet(b.argument()));
            case "ci" -> assertThat(b.text().strip()).as(b.describe() + " must be the command .ci/run ends with")
                    .isEqualTo(lastCommand(ROOT.resolve(".ci/run")));
            case "run" -> workspace.run(b);
            case "run until" -> workspace.runUntil(b);
            case "not run" -> assertThat(b.argument()).as(b.describe() + ": <!-- not run: REASON --> needs its reason")
                    .isNotBlank();
            default -> throw new IllegalStateException(b.kind());
        }
    }

    static List<Block> blocks(List<String> lines) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            int close = i + 1;
            while (close < lines.size() && !lines.get(close).equals("```")) {
                close++;
            }
            if (close == lines.size()) {
                throw new AssertionError("README.md line " + (i + 1) + ": code block never closed");
            }
            String kind = null;
            String argument = null;
            if (i > 0) {
                Matcher m = MARKER.matcher(lines.get(i - 1));
                if (m.matches()) {
                    kind = m.group(1);
                    argument = m.group(2);
                }
            }
            String text = String.join("\n", lines.subList(i + 1, close));
            out.add(new Block(i + 1, open.group(1), kind, argument, text, i + 1, close));
            i = close;
        }
        return out;
    }

    /** The tagged region ({@code path#tag}) or the whole file ({@code path}), without common indentation. */
    static String snippet(String reference) throws IOException {
        int hash = reference.indexOf('#');
        Path file = ROOT.resolve(hash < 0 ? reference : reference.substring(0, hash));
        assertThat(file).as("snippet source " + reference).isRegularFile();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (hash < 0) {
            return String.join("\n", lines).stripTrailing();
        }
        String tag = reference.substring(hash + 1);
        List<String> region = new ArrayList<>();
        boolean inside = false;
        boolean found = false;
        for (String line : lines) {
            if (line.contains("tag::" + tag + "[]")) {
                inside = true;
                found = true;
                continue;
            }
            if (line.contains("end::" + tag + "[]")) {
                inside = false;
                continue;
            }
            if (inside && !line.matches(".*(tag|end)::[A-Za-z0-9_-]+\\[\\].*")) {
                region.add(line);
            }
        }
        assertThat(found).as("tag::" + tag + "[] in " + file).isTrue();
        int indent = region.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String l : region) {
            out.add(l.isBlank() ? "" : l.substring(indent));
        }
        return String.join("\n", out).stripTrailing();
    }

    /** The last command line of a shell script (what CI runs). */
    private static String lastCommand(Path script) throws IOException {
        List<String> lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                return l;
            }
        }
        throw new AssertionError(script + " has no command");
    }

    private static void update(List<String> lines, List<Block> blocks) throws IOException {
        List<String> out = new ArrayList<>(lines);
        // From the last block backwards, so that earlier line numbers stay valid.
        for (int k = blocks.size() - 1; k >= 0; k--) {
            Block b = blocks.get(k);
            if (!"snippet".equals(b.kind())) {
                continue;
            }
            List<String> replacement = List.of(snippet(b.argument()).split("\n", -1));
            for (int j = b.closingLine() - 1; j >= b.firstTextLine(); j--) {
                out.remove(j);
            }
            out.addAll(b.firstTextLine(), replacement);
        }
        Files.write(README, out, StandardCharsets.UTF_8);
    }

    private static Path locateRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve(".ci/run"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the checkout's root (.ci/run) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /**
     * A copy of the checkout (without build output, as a fresh clone has it) where the README's commands
     * run in order, as a user who copies them one after the other would run them.
     */
    static final class Workspace {

        private Path copy;

        private Path copy() throws IOException {
            if (copy == null) {
                Path target = ROOT.resolve("it/target/readme-checkout");
                deleteTree(target);
                copyTree(ROOT, target);
                copy = target;
            }
            return copy;
        }

        void run(Block b) throws IOException {
            ExternalProcess.Result r = ExternalProcess.run(Duration.ofMinutes(10), null,
                    List.of("bash", "-euo", "pipefail", "-c", "cd " + quote(copy()) + " && " + b.text()));
            assertThat(r.exitCode()).as(b.describe() + " exited " + r.exitCode() + "\n" + r.describe()).isZero();
        }

        void runUntil(Block b) throws IOException {
            try (ExternalProcess p = ExternalProcess.start(copy(), List.of("bash", "-c", "exec " + b.text()))) {
                p.awaitStdoutLine(l -> l.startsWith(b.argument()), Duration.ofMinutes(2));
                p.terminate();
                ExternalProcess.Result r = p.awaitExit(Duration.ofSeconds(30));
                assertThat(r.exitCode()).as(b.describe() + " after SIGTERM\n" + r.describe()).isIn(0, 143);
            }
        }

        private static String quote(Path p) {
            return "'" + p.toString().replace("'", "'\\''") + "'";
        }

        private static void copyTree(Path from, Path to) throws IOException {
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                    if (!dir.equals(from) && (name.equals("target") || name.equals(".git")
                            || name.equals(".cifuzz-corpus") || name.equals(".idea"))) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    return FileVisitResult.CONTINUE;
                }
            });
        }

        private static void deleteTree(Path dir) throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
