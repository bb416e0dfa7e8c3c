package dev.mailrelay.maven;

import java.util.Map;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Starts the configured instances and the HTTP control API, and returns when every listener
 * answers. Publishes {@code mailrelay.<instance>.<service>.port}, {@code mailrelay.<instance>.host},
 * {@code spring.mail.*} for the entry instance and {@code mailrelay.api.url} as project properties and
 * in {@code target/mailrelay/mailrelay.properties}.
 * If anything fails to start, what did start is stopped before the build fails.
 *
 * <!-- snippet: it/src/it/start-verify-stop/pom.xml#execution -->
 * <pre>{@code
 * <execution>
 *   <id>mailrelay</id>
 *   <goals>
 *     <goal>start</goal>
 *     <goal>stop</goal>
 *   </goals>
 * </execution>
 * }</pre>
 */
@Mojo(name = "start", defaultPhase = LifecyclePhase.PRE_INTEGRATION_TEST, threadSafe = true)
public class StartMojo extends AbstractServersMojo {

    /** Created by Maven, which then sets the parameters. */
    public StartMojo() {
    }

    /** Skips starting (so {@code stop} finds nothing to stop). */
    @Parameter(property = "mailrelay.skip", defaultValue = "false")
    protected boolean skip;

    /** Failsafe's switch: no integration tests, no servers. */
    @Parameter(property = "skipITs", defaultValue = "false")
    protected boolean skipITs;

    /** Surefire's and failsafe's switch: no tests run, so no servers start. */
    @Parameter(property = "skipTests", defaultValue = "false")
    protected boolean skipTests;

    /** No tests compiled or run, so no servers start. */
    @Parameter(property = "maven.test.skip", defaultValue = "false")
    protected boolean mavenTestSkip;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip || skipITs || skipTests || mavenTestSkip) {
            getLog().info("mailrelay: skipped (" + (skip ? "mailrelay.skip" : skipITs ? "skipITs"
                    : skipTests ? "skipTests" : "maven.test.skip") + ")");
            return;
        }
        String key = Registry.key(project);
        Map<String, AutoCloseable> registry = Registry.running(session);
        if (registry.containsKey(key)) {
            getLog().warn("mailrelay: the servers of " + project.getArtifactId() + " are already running");
            return;
        }
        Running running = startServers();
        try {
            registry.put(key, running);
            Map<String, String> properties = running.properties();
            properties.forEach(project.getProperties()::setProperty);
            running.writeProperties();
        } catch (RuntimeException e) {
            registry.remove(key);
            running.close();
            throw new MojoExecutionException("mailrelay: " + e.getMessage(), e);
        }
        Servers.printReady(running, getLog()::info);
        getLog().info("mailrelay: properties in " + output().resolve(Running.PROPERTIES_FILE));
        if (!Registry.isParticipantActive(session)) {
            getLog().warn("mailrelay: declare the plugin with <extensions>true</extensions> so that the servers"
                    + " are stopped when the build fails before mailrelay:stop");
        }
    }
}
