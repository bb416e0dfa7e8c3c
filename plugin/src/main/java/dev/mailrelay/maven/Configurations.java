package dev.mailrelay.maven;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.Standalone;
import dev.mailrelay.xsasl.Mechanisms;
import dev.mailrelay.xsasl.ServerMechanism;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.maven.plugin.MojoFailureException;

/**
 * Turns the plugin's configuration into the harness's {@link InstanceConfig}s, writing each instance's
 * generated directory ({@code sasl/smtpd.conf}, the users table, and a copy of its
 * {@code configDirectory}) under {@code target/mailrelay/instances/<name>}. Every error names the
 * POM element or the Postfix parameter at fault.
 */
final class Configurations {

    static final String USERS_TABLE = "mailrelay-sasl-users";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern STARTS_ENTRY = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.-]*\\s*=|#)");
    private static final Pattern TLS_PARAMETER =
            Pattern.compile("(smtpd_tls_|smtp_tls_|lmtp_tls_|tls_|smtpd_use_tls|smtpd_enforce_tls|smtp_use_tls"
                    + "|smtp_enforce_tls|smtp_sasl_tls_|smtpd_sasl_tls_).*");

    private Configurations() {
    }

    /**
     * The instances of {@code configDirectory} (standalone layout), then those of {@code instances}.
     *
     * @param generated where the instances' generated directories go ({@code target/mailrelay/instances})
     */
    static List<InstanceConfig> build(File configDirectory, List<InstanceSpec> instances, Path generated)
            throws MojoFailureException {
        List<InstanceConfig> out = new ArrayList<>();
        try {
            if (configDirectory != null) {
                if (!configDirectory.isDirectory()) {
                    throw new MojoFailureException("mailrelay: <configDirectory> " + configDirectory
                            + " is not a directory");
                }
                out.addAll(Standalone.instances(configDirectory.toPath()));
            }
            Set<String> names = new HashSet<>();
            out.forEach(c -> names.add(c.name()));
            List<InstanceSpec> specs = instances == null ? List.of() : instances;
            for (int i = 0; i < specs.size(); i++) {
                InstanceSpec spec = specs.get(i);
                String where = "<instances>, instance " + (i + 1);
                if (spec.getName() == null || !NAME.matcher(spec.getName()).matches()) {
                    throw new MojoFailureException("mailrelay: " + where + ": <name> " + (spec.getName() == null
                            ? "is missing" : "\"" + spec.getName() + "\" is not a valid instance name")
                            + " (letters, digits, '.', '_', '-')");
                }
                if (!names.add(spec.getName())) {
                    throw new MojoFailureException("mailrelay: two instances are named " + spec.getName());
                }
                out.add(build(spec, generated.resolve(spec.getName())));
            }
        } catch (ConfigException e) {
            throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new MojoFailureException("mailrelay: nothing to run: configure <instances> or <configDirectory>");
        }
        return out;
    }

    private static InstanceConfig build(InstanceSpec spec, Path dir) throws MojoFailureException {
        String name = spec.getName();
        String where = "mailrelay: instance " + name + ": ";
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
            if (spec.getConfigDirectory() != null) {
                Path source = spec.getConfigDirectory().toPath();
                if (!Files.isDirectory(source)) {
                    throw new MojoFailureException(where + "<configDirectory> " + source + " is not a directory");
                }
                copyTree(source, dir);
            }
            if (!spec.getMechanisms().isEmpty()) {
                writeMechList(dir, mechanisms(spec, where));
            }
            if (!spec.getUsers().isEmpty()) {
                writeUsers(dir, spec.getUsers(), where);
            }
        } catch (IOException e) {
            throw new MojoFailureException(where + "cannot write " + dir + ": " + e.getMessage(), e);
        }
        InstanceConfig config = InstanceConfig.fromDirectory(name, dir);
        if (spec.getMainCf() != null && !spec.getMainCf().isBlank()) {
            config.mainCf(stripIndent(spec.getMainCf()));
        }
        for (Map.Entry<String, String> p : spec.getParameters().entrySet()) {
            config.parameter(p.getKey(), nullToEmpty(p.getValue()));
        }
        for (Map.Entry<String, String> p : spec.getTls().entrySet()) {
            if (!TLS_PARAMETER.matcher(p.getKey()).matches()) {
                throw new MojoFailureException(where + "<tls>: " + p.getKey()
                        + " is not a TLS parameter (smtpd_tls_*, smtp_tls_*, tls_*, ...); put it in <parameters>");
            }
            config.parameter(p.getKey(), nullToEmpty(p.getValue()));
        }
        if (!spec.getHostnames().isEmpty()) {
            config.parameter("mailrelay_hostnames", String.join(", ", spec.getHostnames()));
        }
        if (!spec.getUsers().isEmpty()) {
            config.parameter("mailrelay_sasl_users", "texthash:" + USERS_TABLE);
        }
        if (!spec.getServices().isEmpty()) {
            if (spec.getMasterCf() != null) {
                throw new MojoFailureException(where + "give either <masterCf> or <services>, not both");
            }
            config.masterCf(String.join("\n", spec.getServices().stream().map(String::strip).toList()) + "\n");
        } else if (spec.getMasterCf() != null && !spec.getMasterCf().isBlank()) {
            config.masterCf(stripIndent(spec.getMasterCf()));
        }
        return config;
    }

    private static List<String> mechanisms(InstanceSpec spec, String where) throws MojoFailureException {
        List<String> out = new ArrayList<>();
        for (String m : spec.getMechanisms()) {
            String mech = m == null ? "" : m.strip();
            if (Mechanisms.server(mech).isEmpty()) {
                throw new MojoFailureException(where + "<mechanisms>: unknown SASL mechanism \"" + mech
                        + "\" (mailrelay implements: "
                        + String.join(" ", Mechanisms.servers().stream().map(ServerMechanism::name).toList()) + ")");
            }
            out.add(mech.toUpperCase(java.util.Locale.ROOT));
        }
        return out;
    }

    /** Sets {@code mech_list} in {@code sasl/smtpd.conf}, keeping the file's other lines. */
    private static void writeMechList(Path dir, List<String> mechanisms) throws IOException {
        Path conf = dir.resolve("sasl").resolve("smtpd.conf");
        Files.createDirectories(conf.getParent());
        List<String> lines = new ArrayList<>();
        if (Files.isRegularFile(conf)) {
            for (String l : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
                if (!l.strip().startsWith("mech_list:")) {
                    lines.add(l);
                }
            }
        } else {
            lines.add("pwcheck_method: auxprop");
            lines.add("auxprop_plugin: sasldb");
        }
        lines.add("mech_list: " + String.join(" ", mechanisms));
        Files.write(conf, lines, StandardCharsets.UTF_8);
    }

    private static void writeUsers(Path dir, List<User> users, String where) throws IOException, MojoFailureException {
        StringBuilder sb = new StringBuilder("# generated by mailrelay-maven-plugin from <users>\n");
        for (int i = 0; i < users.size(); i++) {
            User u = users.get(i);
            if (u.getLogin() == null || u.getLogin().isBlank() || u.getLogin().strip().matches(".*\\s.*")) {
                throw new MojoFailureException(where + "<users>, user " + (i + 1)
                        + ": <login> is missing or contains white space");
            }
            if (u.getPassword() == null || u.getPassword().isEmpty()) {
                throw new MojoFailureException(where + "<users>, user " + u.getLogin() + ": <password> is missing");
            }
            sb.append(u.getLogin().strip()).append(' ').append(u.getPassword()).append('\n');
        }
        Path table = dir.resolve(USERS_TABLE);
        Files.writeString(table, sb.toString(), StandardCharsets.UTF_8);
    }

    /**
     * Un-indents {@code main.cf} text written inside a POM element, where every line carries the XML's
     * indentation and Maven has already trimmed the first line. In main.cf an indented line continues
     * the previous one, so the base indentation is that of the least indented later line that starts
     * a parameter ({@code name =}) or a comment; lines indented deeper stay continuation lines.
     */
    static String stripIndent(String text) {
        List<String> lines = new ArrayList<>(text.lines().map(String::stripTrailing).toList());
        while (!lines.isEmpty() && lines.get(0).isEmpty()) {
            lines.remove(0);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.isEmpty()) {
            return "";
        }
        int indent = lines.subList(1, lines.size()).stream().filter(l -> STARTS_ENTRY.matcher(l).lookingAt())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(Integer.MAX_VALUE);
        StringBuilder sb = new StringBuilder(lines.get(0).strip()).append('\n');
        for (String l : lines.subList(1, lines.size())) {
            int own = l.length() - l.stripLeading().length();
            sb.append(indent != Integer.MAX_VALUE && own >= indent ? l.substring(indent) : l).append('\n');
        }
        return sb.toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s.strip();
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
