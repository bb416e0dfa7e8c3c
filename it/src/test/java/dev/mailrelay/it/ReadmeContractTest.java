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
import java.util.List;
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
 */
class ReadmeContractTest {

    private static final Pattern FENCE = Pattern.compile("^```(\\S*)\\s*$");
    private static final Pattern MARKER = Pattern.compile("^<!--\\s*(snippet|run until|run|ci|not run)\\s*(?::\\s*(.*?))?\\s*-->\\s*$");
    private static final int MAX_NOT_RUN = 1;

    private static final Path ROOT = locateRoot();
    private static final Path README = ROOT.resolve("README.md");

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
