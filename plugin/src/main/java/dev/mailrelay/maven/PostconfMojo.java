package dev.mailrelay.maven;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.xsasl.ClientMechanism;
import dev.mailrelay.xsasl.Mechanisms;
import dev.mailrelay.xsasl.SaslServerImpls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Prints, like {@code postconf}, the effective parameters of each configured instance ({@code main.cf}
 * over Postfix's defaults, {@code $name} expanded), then the {@code postconf -a}/{@code -A} lists of
 * SASL server and client implementations and the SASL mechanisms mailrelay implements.
 *
 * <p>The answer goes to standard output, as {@code postconf} prints it, so that {@code mvn -q} shows
 * it and nothing else:
 *
 * <pre>{@code
 * mvn -q mailrelay:postconf -Dmailrelay.postconf.n=true -Dmailrelay.postconf.parameters=smtpd_sasl_auth_enable
 * # instance isp
 * smtpd_sasl_auth_enable = yes
 * }</pre>
 *
 * Values of inline SASL user tables are masked: a password is never printed.
 */
@Mojo(name = "postconf", threadSafe = true)
public class PostconfMojo extends AbstractMailRelayMojo {

    /** Parameters whose inline tables hold passwords. */
    private static final List<String> SECRET_TABLES = List.of("mailrelay_sasl_users", "smtp_sasl_password_maps",
            "lmtp_sasl_password_maps", "mailrelay_sasl_oauth_tokens");
    private static final Pattern INLINE = Pattern.compile("inline:\\{[^}]*}");

    /** Only these parameters (comma-separated), in this order. */
    @Parameter(property = "mailrelay.postconf.parameters")
    protected List<String> parameters = new ArrayList<>();

    /** Only the parameters set explicitly, as {@code postconf -n}. */
    @Parameter(property = "mailrelay.postconf.n", defaultValue = "false")
    protected boolean nonDefault;

    /** Only this instance. */
    @Parameter(property = "mailrelay.instance")
    protected String instance;

    @Override
    public void execute() throws MojoFailureException {
        print(configs(), System.out::println);
    }

    void print(List<InstanceConfig> configs, Consumer<String> out) throws MojoFailureException {
        boolean found = false;
        for (InstanceConfig c : configs) {
            if (instance != null && !instance.isBlank() && !instance.equals(c.name())) {
                continue;
            }
            found = true;
            Parameters p = c.parameters();
            out.accept("# instance " + c.name());
            try {
                if (parameters != null && !parameters.isEmpty()) {
                    for (String name : parameters) {
                        String n = name.strip();
                        if (!p.isSet(n) && !Parameters.implementedNames().contains(n)) {
                            throw new MojoFailureException("mailrelay: postconf: " + n + ": unknown parameter");
                        }
                        out.accept(n + " = " + mask(n, p.get(n)));
                    }
                } else {
                    for (Map.Entry<String, String> e : (nonDefault ? p.explicit() : p.effective()).entrySet()) {
                        out.accept(e.getKey() + " = " + mask(e.getKey(), e.getValue()));
                    }
                }
            } catch (ConfigException e) {
                throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
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

    static String mask(String name, String value) {
        if (!SECRET_TABLES.contains(name)) {
            return value;
        }
        Matcher m = INLINE.matcher(value);
        return m.replaceAll("inline:{ (hidden) }");
    }
}
