package dev.mailrelay.maven;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.File;
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
}
