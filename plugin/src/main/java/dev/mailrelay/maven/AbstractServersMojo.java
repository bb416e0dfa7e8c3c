package dev.mailrelay.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

/** What the goals that run servers ({@code start}, {@code run}) share: ports and the entry instance. */
abstract class AbstractServersMojo extends AbstractMailRelayMojo {

    /**
     * Bind ephemeral ports (the default); {@code false} binds the ports master.cf names (the JUnit
     * extension's {@code ephemeralPorts}).
     */
    @Parameter(property = "mailrelay.ephemeralPorts", defaultValue = "true")
    protected boolean ephemeralPorts;

    /** The HTTP control API's port on 127.0.0.1; 0 (the default) picks an ephemeral one. */
    @Parameter(property = "mailrelay.apiPort", defaultValue = "0")
    protected int apiPort;

    /**
     * The instance the application submits to, which {@code spring.mail.host}, {@code .port},
     * {@code .username} and {@code .password} describe (the JUnit extension's {@code entry}); empty
     * (the default): {@code relay} when there is one, else the first instance.
     */
    @Parameter(property = "mailrelay.entry", defaultValue = "")
    protected String entry;

    /**
     * Starts the configured instances and the API and checks that every listener answers.
     *
     * @return the running servers
     * @throws MojoFailureException for configuration errors
     * @throws MojoExecutionException when a port cannot be bound or a listener does not answer
     */
    protected Running startServers() throws MojoFailureException, MojoExecutionException {
        return Servers.start(Registry.key(project), configured(), ephemeralPorts, apiPort, entry, output(),
                getLog()::info);
    }
}
