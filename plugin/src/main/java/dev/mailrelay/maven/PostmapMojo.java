package dev.mailrelay.maven;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Postmap;
import dev.mailrelay.tables.Tables;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Answers a lookup as the harness would, like {@code postmap -q}: {@code -Dquery=KEY -Dtable=TYPE:NAME}
 * prints the value alone on standard output (also under {@code mvn -q}), and a key that is not found
 * fails the goal, as {@code postmap -q} exits 1.
 * An address key ({@code user@domain}) is searched in Postfix's order (user+ext@domain, user@domain,
 * user+ext and user for local domains, @domain) unless {@code -Dexact=true}. Relative table paths
 * resolve against the project directory, or against the instance's directory with
 * {@code -Dinstance=NAME} (whose {@code recipient_delimiter} and {@code mydestination} then
 * apply).
 *
 * <!-- not run: a shell session; the postconf-postmap invoker project runs the goal and checks its answer -->
 * <pre>{@code
 * mvn -q mailrelay:postmap -Dquery=alice@example.com -Dtable=texthash:src/test/mailrelay/virtual
 * alice@isp.example
 * }</pre>
 */
@Mojo(name = "postmap", threadSafe = true, requiresProject = false)
public class PostmapMojo extends AbstractMailRelayMojo {

    /** Created by Maven, which then sets the parameters. */
    public PostmapMojo() {
    }

    /** The key to look up. */
    @Parameter(property = "query", required = true)
    protected String query;

    /** The table, {@code type:name}, or a comma-separated list searched in order. */
    @Parameter(property = "table", required = true)
    protected String table;

    /** Look up exactly the key given, without the address search order. */
    @Parameter(property = "exact", defaultValue = "false")
    protected boolean exact;

    /** Resolve paths and take parameters from this configured instance. */
    @Parameter(property = "instance")
    protected String instance;

    @Override
    public void execute() throws MojoFailureException {
        Parameters params = Parameters.defaults("postmap");
        Path base = project != null && project.getBasedir() != null ? project.getBasedir().toPath()
                : Path.of("").toAbsolutePath();
        if (instance != null && !instance.isBlank()) {
            InstanceConfig config = configs().stream().filter(c -> c.name().equals(instance)).findFirst()
                    .orElseThrow(() -> new MojoFailureException("mailrelay: postmap: no instance named " + instance));
            params = config.parameters();
            base = config.baseDirectory();
        }
        lookup(params, base, System.out::println);
    }

    void lookup(Parameters params, Path base, Consumer<String> out) throws MojoFailureException {
        Optional<String> result;
        try {
            if (exact || !query.contains("@")) {
                result = Postmap.query(query, Parameters.split(table), base);
            } else {
                List<LookupTable> tables = Tables.openList(table, base);
                List<String> local = params.list("mydestination").stream()
                        .map(d -> d.toLowerCase(Locale.ROOT)).toList();
                result = AddressLookup.find(tables, query, params.get("recipient_delimiter"),
                        domain -> local.contains(domain.toLowerCase(Locale.ROOT)));
            }
        } catch (ConfigException e) {
            throw new MojoFailureException("mailrelay: postmap: " + e.getMessage(), e);
        }
        if (result.isEmpty()) {
            throw new MojoFailureException("mailrelay: postmap: " + query + " not found in " + table);
        }
        out.accept(result.get());
    }
}
