package dev.mailrelay.maven;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.InstanceConfig;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/** What every goal shares: the instances' configuration and where generated files go. */
abstract class AbstractMailRelayMojo extends AbstractMojo {

    /**
     * The instances, each with {@code <name>} and any of {@code <myhostname>}, {@code <hostnames>},
     * {@code <mechanisms>}, {@code <users>}, {@code <tls>}, {@code <relayhost>}, {@code <mainCf>},
     * {@code <parameters>}, {@code <masterCf>}, {@code <tables>}, {@code <configDirectory>} (see
     * {@link InstanceSpec}): the names of the JUnit extension's {@code @SaslInstance}.
     */
    @Parameter
    protected List<InstanceSpec> instances = new ArrayList<>();

    /**
     * A configuration directory in the standalone runner's layout: a {@code main.cf} for one instance
     * named after the directory, or one subdirectory with a {@code main.cf} per instance.
     */
    @Parameter(property = "mailrelay.configDirectory")
    protected File configDirectory;

    /** Where the plugin writes generated instance directories, properties and captured mail. */
    @Parameter(property = "mailrelay.outputDirectory", defaultValue = "${project.build.directory}/mailrelay")
    protected File outputDirectory;

    /** The project being built. */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** The build session, whose shared data holds the servers left running between goals. */
    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    /**
     * The configured instances as the harness takes them; every error names the element or parameter.
     *
     * @return the instances' configurations
     * @throws MojoFailureException when the POM's configuration or a configuration file is wrong
     */
    protected List<InstanceConfig> configs() throws MojoFailureException {
        return configured().stream().map(Configurations.Configured::config).toList();
    }

    /**
     * The configured instances with the SASL users the POM declares for them.
     *
     * @return the instances with their users
     * @throws MojoFailureException when the POM's configuration or a configuration file is wrong
     */
    protected List<Configurations.Configured> configured() throws MojoFailureException {
        warnAboutDeprecatedElements();
        List<Configurations.Configured> configured = Configurations.build(configDirectory, instances,
                outputDirectory.toPath().resolve("instances"));
        // Parse everything now, so that a malformed value fails here, naming file, line and parameter.
        for (Configurations.Configured c : configured) {
            try {
                c.config().parameters();
                c.config().services();
            } catch (ConfigException e) {
                throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
            }
        }
        return configured;
    }

    @SuppressWarnings("deprecation")
    private void warnAboutDeprecatedElements() {
        for (InstanceSpec spec : instances == null ? List.<InstanceSpec>of() : instances) {
            if (spec.getServices() != null && !spec.getServices().isEmpty()) {
                getLog().warn("mailrelay: instance " + spec.getName() + ": <services> is deprecated and goes in the "
                        + "next release; give the service lines in <masterCf>, as @SaslInstance(masterCf = ...) does");
            }
        }
    }

    /**
     * Where the plugin writes generated instance directories, properties and captured mail.
     *
     * @return where the plugin writes generated instance directories, properties and captured mail
     */
    protected Path output() {
        return outputDirectory.toPath();
    }
}
