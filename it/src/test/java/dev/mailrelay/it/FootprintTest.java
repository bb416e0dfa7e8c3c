package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each published artifact puts on its user's classpath is a deliberate choice: the dependencies
 * Maven resolved for the module (compile and runtime scopes, its own optional ones marked; written to
 * {@code <module>/target/footprint.txt} by the parent POM's {@code footprint} execution of
 * maven-dependency-plugin) must be the committed list {@code it/src/test/resources/footprint/<artifactId>.txt},
 * one {@code groupId:artifactId:scope} per line, {@code (optional)} after an optional one. A new or
 * dropped dependency, or a changed scope, fails here until the list is changed with it, and the
 * README's footprint section too. Versions are left out: they are chosen in the parent POM.
 * {@code -Dfootprint.update=true} rewrites the lists from the build.
 */
class FootprintTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** {@code   group:artifact:type:version:scope[ (optional)][ -- module name]}, as dependency:list writes it. */
    private static final Pattern LISTED = Pattern.compile(
            "\\s+([^:\\s]+):([^:\\s]+):[^:\\s]+(?::[^:\\s]+)?:[^:\\s]+:(\\w+)( \\(optional\\))?(?: -- .*)?");

    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "client, mailrelay-client",
        "harness-core, mailrelay-harness-core",
        "junit-extension, mailrelay-junit-extension",
        "plugin, mailrelay-maven-plugin"})
    void theResolvedDependenciesAreTheCommittedList(String module, String artifactId) throws IOException {
        Path built = ROOT.resolve(module).resolve("target/footprint.txt");
        assertThat(built).as("written by the build of module %s (generate-test-resources phase or later)", module)
                .isRegularFile();
        List<String> resolved = resolved(Files.readAllLines(built, StandardCharsets.UTF_8));
        Path committed = ROOT.resolve("it/src/test/resources/footprint").resolve(artifactId + ".txt");
        if (Boolean.getBoolean("footprint.update")) {
            Files.write(committed, resolved, StandardCharsets.UTF_8);
        }
        List<String> expected = Files.readAllLines(committed, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(resolved).as("the dependencies of %s against %s (a deliberate change updates the list and the"
                + " README's footprint section; -Dfootprint.update=true rewrites the list)", artifactId,
                ROOT.relativize(committed)).containsExactlyElementsOf(expected);
    }

    /** {@code groupId:artifactId:scope[ (optional)]} for each artifact line, in the file's (sorted) order. */
    static List<String> resolved(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = LISTED.matcher(line);
            if (m.matches()) {
                out.add(m.group(1) + ":" + m.group(2) + ":" + m.group(3) + (m.group(4) == null ? "" : " (optional)"));
            }
        }
        return out;
    }
}
