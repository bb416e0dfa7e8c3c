package dev.mailrelay.maven;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.project.MavenProject;
import org.eclipse.aether.SessionData;

/**
 * The servers {@code mailrelay:start} left running in this build, keyed by project, so that each
 * module of a parallel ({@code -T}) build has its own and {@code mailrelay:stop} and
 * {@link StopAtSessionEnd} find them. The map lives in the build session's shared data (not in a
 * static field), holding only JDK types, so that the plugin's class realm and the build extension's
 * realm see the same map even when Maven gives them different class loaders.
 */
final class Registry {

    static final String RUNNING = "dev.mailrelay.maven.running";
    static final String PARTICIPANT = "dev.mailrelay.maven.participant";

    private Registry() {
    }

    /** The project key: {@code groupId:artifactId} plus its directory (two checkouts may share coordinates). */
    static String key(MavenProject project) {
        return project.getGroupId() + ":" + project.getArtifactId() + "@" + project.getBasedir();
    }

    /** The session's map of running servers, created on first use. */
    @SuppressWarnings("unchecked")
    static Map<String, AutoCloseable> running(MavenSession session) {
        SessionData data = session.getRepositorySession().getData();
        while (true) {
            Object existing = data.get(RUNNING);
            if (existing != null) {
                return (Map<String, AutoCloseable>) existing;
            }
            data.set(RUNNING, null, new ConcurrentHashMap<String, AutoCloseable>());
        }
    }

    /** Marks that the build extension will stop what is left running when the session ends. */
    static void participantActive(MavenSession session) {
        session.getRepositorySession().getData().set(PARTICIPANT, Boolean.TRUE);
    }

    static boolean isParticipantActive(MavenSession session) {
        return Boolean.TRUE.equals(session.getRepositorySession().getData().get(PARTICIPANT));
    }
}
