package dev.mailrelay.master;

import dev.mailrelay.config.MainCf;
import dev.mailrelay.config.MasterCf;
import dev.mailrelay.config.Parameter;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.config.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How one instance is configured, whichever way in was used: an instance directory in the standalone
 * layout ({@code main.cf}, optional {@code master.cf}, tables and {@code sasl/smtpd.conf} beside
 * them), {@code main.cf} lines, single parameters and {@code master.cf} text. Later settings win over
 * earlier ones in that order, exactly as a later line in {@code main.cf} wins.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#instance-config -->
 * <pre>{@code
 * InstanceConfig isp = InstanceConfig.named("isp")
 *     .mainCf("""
 *         myhostname = mail.isp.example
 *         smtpd_sasl_auth_enable = yes
 *         mailrelay_sasl_users = inline:{ alice=secret }
 *         """)
 *     .masterCf("submission inet n - n - - smtpd");
 * }</pre>
 */
public final class InstanceConfig {

    private final String name;
    private Path directory;
    private final List<Parameter> parameters = new ArrayList<>();
    private boolean mainCfFile;
    private String masterCf;

    private InstanceConfig(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** A new configuration for the instance called {@code name}. */
    public static InstanceConfig named(String name) {
        return new InstanceConfig(name);
    }

    /** An instance directory as the standalone runner reads it: {@code main.cf}, {@code master.cf}, tables. */
    public static InstanceConfig fromDirectory(String name, Path directory) {
        return named(name).directory(directory);
    }

    /**
     * The instances of a configuration directory in the standalone layout
     * ({@link InstanceDirectory#layout(Path)}): DIR/main.cf makes one instance named after DIR;
     * otherwise each subdirectory with a main.cf is one.
     *
     * @throws dev.mailrelay.config.ConfigException when DIR is not a directory or holds no main.cf at all
     */
    public static List<InstanceConfig> fromLayout(Path dir) {
        List<InstanceConfig> out = new ArrayList<>();
        InstanceDirectory.layout(dir).forEach((name, path) -> out.add(fromDirectory(name, path)));
        return out;
    }

    /** The directory relative table paths and {@code sasl/smtpd.conf} are found in; its files are read. */
    public InstanceConfig directory(Path directory) {
        this.directory = directory;
        Path mainCf = directory.resolve("main.cf");
        if (Files.isRegularFile(mainCf)) {
            parameters.addAll(MainCf.read(mainCf));
            mainCfFile = true;
        }
        return this;
    }

    /** Adds {@code main.cf} lines (later lines win, as in main.cf). */
    public InstanceConfig mainCf(String text) {
        parameters.addAll(MainCf.parse(text, name + " main.cf text"));
        return this;
    }

    /** Sets one parameter. */
    public InstanceConfig parameter(String parameterName, String value) {
        parameters.add(Parameter.of(parameterName, value, name + " configuration"));
        return this;
    }

    /** Replaces {@code master.cf} (by default the directory's, else Postfix's single {@code smtp} service). */
    public InstanceConfig masterCf(String text) {
        this.masterCf = text;
        return this;
    }

    public String name() {
        return name;
    }

    /** The base directory for relative paths: the instance directory, else the working directory. */
    public Path baseDirectory() {
        return directory != null ? directory : Path.of("").toAbsolutePath();
    }

    /**
     * The instance's parameters: Postfix's defaults under everything configured here. A directory's
     * {@code main.cf} is the whole main.cf, read as Postfix reads it (without
     * {@code compatibility_level} it is level 0). An instance without a main.cf file starts from the
     * main.cf a fresh Postfix 3.7 installation writes, which sets {@link #STOCK_MAIN_CF}.
     */
    public Parameters parameters() {
        Parameters defaults = Parameters.defaults(name, baseDirectory());
        return mainCfFile ? defaults.with(parameters) : defaults.with(STOCK_MAIN_CF).with(parameters);
    }

    /** What Postfix's own installed main.cf (and Debian's) sets that an instance configured in code inherits. */
    public static final List<Parameter> STOCK_MAIN_CF = List.of(new Parameter("compatibility_level", "3.6",
            "stock main.cf", 0));

    /** The instance's services. */
    public List<Service> services() {
        if (masterCf != null) {
            return MasterCf.parse(masterCf, name + " master.cf text");
        }
        if (directory != null && Files.isRegularFile(directory.resolve("master.cf"))) {
            return MasterCf.read(directory.resolve("master.cf"));
        }
        return MasterCf.parse(MasterCf.DEFAULT, "default master.cf");
    }

    /** Whether a parameter or master.cf text set here names a TLS parameter (so TLS may be used). */
    boolean namesTlsParameter() {
        return parameters.stream().anyMatch(p -> p.name().contains("tls")) || masterCf != null && masterCf.contains("tls");
    }

    @Override
    public String toString() {
        return "InstanceConfig[" + name + (directory == null ? "" : ", " + directory) + "]";
    }
}
