package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The invoker projects declare mailrelay's artifacts the way the README shows them, with a literal
 * version (the README's snippets are cut from them). A literal left behind by a version change would
 * still resolve — from the user's local repository, a stale earlier build — and the project would
 * test old code while passing; so every {@code dev.mailrelay} version in {@code it/src/it/*}/pom.xml
 * must be this build's or {@code ${mailrelay.version}} (which the invoker fills in).
 */
class InvokerProjectVersionsTest {

    private static final Path PROJECTS = Path.of("src/it").toAbsolutePath();

    @Test
    void everyMailrelayArtifactIsThisBuildsVersion() throws Exception {
        String version = System.getProperty("mailrelay.version");
        assertThat(version).as("set by surefire's systemPropertyVariables").isNotBlank();
        List<String> declared = new ArrayList<>();
        List<Path> poms;
        try (Stream<Path> dirs = Files.list(PROJECTS)) {
            poms = dirs.map(d -> d.resolve("pom.xml")).filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(poms).isNotEmpty();
        for (Path pom : poms) {
            NodeList groups = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())
                    .getElementsByTagName("groupId");
            for (int i = 0; i < groups.getLength(); i++) {
                Element owner = (Element) groups.item(i).getParentNode();
                NodeList versions = owner.getElementsByTagName("version");
                if ("dev.mailrelay".equals(groups.item(i).getTextContent().strip()) && versions.getLength() > 0) {
                    String v = versions.item(0).getTextContent().strip();
                    declared.add(PROJECTS.relativize(pom) + " " + owner.getElementsByTagName("artifactId").item(0)
                            .getTextContent().strip() + ":" + v);
                    assertThat(v).as("%s: version of a dev.mailrelay artifact", PROJECTS.relativize(pom))
                            .isIn(version, "${mailrelay.version}");
                }
            }
        }
        assertThat(declared).as("dev.mailrelay artifacts with a version in the invoker projects").isNotEmpty();
    }
}
