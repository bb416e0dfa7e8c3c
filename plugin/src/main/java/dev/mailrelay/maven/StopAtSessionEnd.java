package dev.mailrelay.maven;

import java.util.ArrayList;
import java.util.Map;
import org.apache.maven.AbstractMavenLifecycleParticipant;
import org.apache.maven.execution.MavenSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops every server {@code mailrelay:start} left running when the build ends, however it ends — a
 * failing integration test, a later plugin's failure, a {@code -T} sibling module's failure. Active
 * when the plugin is declared with {@code <extensions>true</extensions>}:
 *
 * <!-- snippet: it/src/it/readme-failsafe/pom.xml#extension -->
 * <pre>{@code
 * <groupId>dev.mailrelay</groupId>
 * <artifactId>mailrelay-maven-plugin</artifactId>
 * <version>0.2.0-SNAPSHOT</version>
 * <!-- Also a build extension: stops the servers when the build fails before mailrelay:stop. -->
 * <extensions>true</extensions>
 * }</pre>
 *
 * Registered in {@code META-INF/plexus/components.xml}; {@code META-INF/maven/extension.xml} exports the
 * package so that Maven's lookup from the project's realm sees it.
 */
public class StopAtSessionEnd extends AbstractMavenLifecycleParticipant {

    /** Created by Maven, which then sets the parameters. */
    public StopAtSessionEnd() {
    }

    private static final Logger log = LoggerFactory.getLogger(StopAtSessionEnd.class);

    @Override
    public void afterProjectsRead(MavenSession session) {
        log.debug("mailrelay: servers left running at the end of the build will be stopped");
        Registry.participantActive(session);
    }

    @Override
    public void afterSessionEnd(MavenSession session) {
        Map<String, AutoCloseable> running = Registry.running(session);
        for (String project : new ArrayList<>(running.keySet())) {
            AutoCloseable servers = running.remove(project);
            if (servers == null) {
                continue;
            }
            log.info("mailrelay: the build ended with the servers of {} still running; stopping them", project);
            try {
                servers.close();
            } catch (Exception e) {
                log.warn("mailrelay: stopping the servers of {} failed: {}", project, e.toString());
            }
        }
    }
}
