package dev.mailrelay.maven;

import dev.mailrelay.config.Postconf;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.xsasl.ClientMechanism;
import dev.mailrelay.xsasl.Mechanisms;
import dev.mailrelay.xsasl.SaslServerImpls;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Prints, like {@code postconf}, the parameters of each configured instance (the code the standalone
 * jar's {@code postconf} command runs, {@link Postconf}): every parameter with its value as set
 * (main.cf over Postfix's defaults), only those set ({@code -Dmailrelay.postconf.n=true}, as
 * {@code postconf -n}), with {@code $name} expanded ({@code -Dmailrelay.postconf.x=true}, as
 * {@code -x}), then the {@code postconf -a}/{@code -A} lists of SASL server and client
 * implementations and the SASL mechanisms mailrelay implements. An unknown parameter name is
 * {@code postconf: warning: NAME: unknown parameter} on standard error, as with Postfix.
 *
 * <p>The answer goes to standard output, as {@code postconf} prints it, so that {@code mvn -q} shows
 * it and nothing else:
 *
 * <!-- not run: a shell session; the postconf-postmap invoker project runs the goal and checks its answer -->
 * <pre>{@code
 * mvn -q mailrelay:postconf -Dmailrelay.postconf.n=true -Dmailrelay.postconf.parameters=smtpd_sasl_auth_enable
 * # instance isp
 * smtpd_sasl_auth_enable = yes
 * }</pre>
 *
 * Values of inline password tables are masked: a password is never printed.
 */
@Mojo(name = "postconf", threadSafe = true)
public class PostconfMojo extends AbstractMailRelayMojo {

    /** Created by Maven, which then sets the parameters. */
    public PostconfMojo() {
    }

    /** Only these parameters (comma-separated), in this order. */
    @Parameter(property = "mailrelay.postconf.parameters")
    protected List<String> parameters = new ArrayList<>();

    /** Only the parameters set explicitly, as {@code postconf -n}. */
    @Parameter(property = "mailrelay.postconf.n", defaultValue = "false")
    protected boolean nonDefault;

    /** Values with {@code $name} expanded, as {@code postconf -x}. */
    @Parameter(property = "mailrelay.postconf.x", defaultValue = "false")
    protected boolean expand;

    /** Only this instance. */
    @Parameter(property = "mailrelay.instance")
    protected String instance;

    @Override
    public void execute() throws MojoFailureException {
        print(configs(), System.out::println, System.err::println);
    }

    void print(List<InstanceConfig> configs, Consumer<String> out, Consumer<String> err)
            throws MojoFailureException {
        boolean found = false;
        Postconf.Options options = new Postconf.Options(nonDefault, false, expand, false,
                parameters == null ? List.of() : parameters.stream().map(String::strip).toList());
        for (InstanceConfig c : configs) {
            if (instance != null && !instance.isBlank() && !instance.equals(c.name())) {
                continue;
            }
            found = true;
            out.accept("# instance " + c.name());
            if (Postconf.print(c.parameters(), c.services(), options, out, err) != 0) {
                throw new MojoFailureException("mailrelay: postconf: instance " + c.name()
                        + ": malformed macro expression (see the warning above)");
            }
        }
        if (!found) {
            throw new MojoFailureException("mailrelay: postconf: no instance named " + instance + "; configured: "
                    + configs.stream().map(InstanceConfig::name).toList());
        }
        out.accept("# postconf -a (SASL server implementations)");
        SaslServerImpls.SERVER_TYPES.forEach(out);
        out.accept("# postconf -A (SASL client implementations)");
        out.accept("cyrus");
        out.accept("# SASL server mechanisms");
        out.accept(String.join(" ", Mechanisms.serverNames()));
        out.accept("# SASL client mechanisms");
        out.accept(String.join(" ", Mechanisms.clients().stream().map(ClientMechanism::name).toList()));
    }
}
