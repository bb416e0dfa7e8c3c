package dev.mailrelay.maven;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Build;
import org.apache.maven.project.MavenProject;
import org.eclipse.aether.DefaultRepositorySystemSession;

/**
 * A mocked build session (its shared data real) and a project, as Maven would hand them to a mojo.
 * Mockito runs with its subclass mock maker (src/test/resources/mockito-extensions): the inline one
 * needs to attach an agent, which fails on JDK 25.
 */
final class MojoTestSupport {

    private MojoTestSupport() {
    }

    static MavenSession session() {
        MavenSession session = mock(MavenSession.class);
        DefaultRepositorySystemSession repositorySession = new DefaultRepositorySystemSession();
        when(session.getRepositorySession()).thenReturn(repositorySession);
        return session;
    }

    static MavenProject project(String artifactId, File basedir) {
        MavenProject project = new MavenProject();
        project.setGroupId("dev.mailrelay.test");
        project.setArtifactId(artifactId);
        project.setVersion("1");
        project.setFile(new File(basedir, "pom.xml"));
        Build build = new Build();
        build.setDirectory(new File(basedir, "target").getPath());
        project.setBuild(build);
        return project;
    }

    /** Deletes a test's working directory and everything in it (after the harness it held stopped). */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
