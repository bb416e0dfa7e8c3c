package dev.mailrelay.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Stops what {@code mailrelay:start} started for this project, after writing the captured mail to
 * {@code target/mailrelay/} ({@code <instance>/<queue id>.eml} and {@code messages.json}). Stopping
 * nothing is not an error, so the goal is safe to run twice or after a skipped start.
 *
 * <!-- snippet: it/src/it/readme-failsafe/pom.xml#goals -->
 * <pre>{@code
 * <goals><goal>start</goal><goal>stop</goal></goals>
 * }</pre>
 */
@Mojo(name = "stop", defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST, threadSafe = true)
public class StopMojo extends AbstractMailRelayMojo {

    /** Created by Maven, which then sets the parameters. */
    public StopMojo() {
    }

    @Override
    public void execute() throws MojoExecutionException {
        AutoCloseable running = Registry.running(session).remove(Registry.key(project));
        if (running == null) {
            getLog().info("mailrelay: nothing running for " + project.getArtifactId());
            return;
        }
        try {
            running.close();
        } catch (Exception e) {
            throw new MojoExecutionException("mailrelay: stopping failed: " + e.getMessage(), e);
        }
    }
}
