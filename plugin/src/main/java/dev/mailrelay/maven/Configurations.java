package dev.mailrelay.maven;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.faults.FaultSpec;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.InstanceDirectory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.maven.plugin.MojoFailureException;

/**
 * Turns the plugin's configuration into the harness's {@link InstanceConfig}s through the core's
 * {@link InstanceDirectory}, the writer the JUnit extension uses too: each instance of {@code <instances>}
 * gets a generated directory {@code target/mailrelay/instances/<name>}; a top-level
 * {@code <configDirectory>} is copied to {@code target/mailrelay/config/} and an {@code <instance>} of
 * the same name adds to its instance there. Every error names the POM element or the Postfix
 * parameter at fault.
 */
final class Configurations {

    /** One configured instance, the SASL users its POM declares (login → password) and its faults. */
    record Configured(InstanceConfig config, Map<String, String> users, List<FaultSpec> faults) {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** A line that starts a {@code main.cf} entry: {@code name =} or a comment. */
    private static final Pattern MAIN_CF_ENTRY = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_.-]*\\s*=|#)");
    /** A line that starts a {@code master.cf} entry: a service name and its type, or a comment. */
    static final Pattern MASTER_CF_ENTRY = Pattern.compile("\\s*(\\S+\\s+(inet|unix|unix-dgram|fifo|pass)(\\s|$)|#)");

    private Configurations() {
    }

    /**
     * The instances of {@code configDirectory} (standalone layout), then those of {@code instances}.
     *
     * @param generated where the instances' generated directories go ({@code target/mailrelay/instances});
     *     the copy of {@code configDirectory} goes beside it ({@code target/mailrelay/config})
     */
    static List<Configured> build(File configDirectory, List<InstanceSpec> instances, Path generated)
            throws MojoFailureException {
        List<InstanceSpec> specs = instances == null ? List.of() : instances;
        Map<String, InstanceSpec> byName = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            InstanceSpec spec = specs.get(i);
            if (spec.getName() == null || !NAME.matcher(spec.getName()).matches()) {
                throw new MojoFailureException("mailrelay: <instances>, instance " + (i + 1) + ": <name> "
                        + (spec.getName() == null ? "is missing" : "\"" + spec.getName() + "\" is not a valid instance name")
                        + " (letters, digits, '.', '_', '-')");
            }
            if (byName.put(spec.getName(), spec) != null) {
                throw new MojoFailureException("mailrelay: two instances are named " + spec.getName());
            }
        }
        List<Configured> out = new ArrayList<>();
        try {
            Map<String, Path> directories = new LinkedHashMap<>();
            if (configDirectory != null) {
                if (!configDirectory.isDirectory()) {
                    throw new MojoFailureException("mailrelay: <configDirectory> " + configDirectory
                            + " is not a directory");
                }
                Path copies = generated.resolveSibling("config");
                deleteTree(copies);
                directories.putAll(InstanceDirectory.copyLayout(configDirectory.toPath(), copies));
            }
            for (String name : byName.keySet()) {
                if (!directories.containsKey(name)) {
                    Path dir = generated.resolve(name);
                    deleteTree(dir);
                    directories.put(name, dir);
                }
            }
            for (Map.Entry<String, Path> e : directories.entrySet()) {
                InstanceSpec spec = byName.get(e.getKey());
                InstanceDirectory instance = spec == null ? InstanceDirectory.named(e.getKey()) : describe(spec);
                out.add(new Configured(instance.write(e.getValue()), instance.users(),
                        spec == null ? List.of() : faults(spec)));
            }
        } catch (ConfigException | UncheckedIOException e) {
            throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoFailureException("mailrelay: cannot write " + generated + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new MojoFailureException("mailrelay: nothing to run: configure <instances> or <configDirectory>");
        }
        return out;
    }

    /** The instance's {@code <faults>}, each checked now as {@code Faults.add} will check it at start. */
    private static List<FaultSpec> faults(InstanceSpec spec) throws MojoFailureException {
        List<FaultSpec> out = new ArrayList<>();
        Faults check = new Faults(spec.getName());
        List<Fault> faults = spec.getFaults() == null ? List.of() : spec.getFaults();
        for (int i = 0; i < faults.size(); i++) {
            try {
                FaultSpec f = faults.get(i).spec();
                check.add(f);
                out.add(f);
            } catch (IllegalArgumentException e) {
                throw new MojoFailureException("mailrelay: instance " + spec.getName() + ": <faults>, fault " + (i + 1)
                        + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * The POM's elements in the core's terms, in the order the JUnit extension's {@code InstanceSpec}
     * gives the same attributes: {@code configDirectory}, the shortcuts ({@code myhostname},
     * {@code hostnames}, {@code tls}, {@code relayhost}), {@code mainCf}, {@code parameters}; then
     * users, tables, mechanisms and {@code master.cf}.
     */
    @SuppressWarnings("deprecation")
    private static InstanceDirectory describe(InstanceSpec spec) throws MojoFailureException {
        String where = "mailrelay: instance " + spec.getName() + ": ";
        InstanceDirectory instance = InstanceDirectory.named(spec.getName());
        if (spec.getConfigDirectory() != null) {
            if (!spec.getConfigDirectory().isDirectory()) {
                throw new MojoFailureException(where + "<configDirectory> " + spec.getConfigDirectory()
                        + " is not a directory");
            }
            instance.copyOf(spec.getConfigDirectory().toPath());
        }
        shortcut(instance, "myhostname", spec.getMyhostname());
        if (!spec.getHostnames().isEmpty()) {
            instance.parameter("mailrelay_hostnames", String.join(", ", spec.getHostnames()));
        }
        shortcut(instance, "smtpd_tls_security_level", spec.getTls());
        shortcut(instance, "relayhost", spec.getRelayhost());
        if (spec.getMainCf() != null && !spec.getMainCf().isBlank()) {
            instance.mainCf(stripIndent(spec.getMainCf(), MAIN_CF_ENTRY));
        }
        for (Map.Entry<String, String> p : spec.getParameters().entrySet()) {
            instance.parameter(p.getKey(), nullToEmpty(p.getValue()));
        }
        List<User> users = spec.getUsers();
        for (int i = 0; i < users.size(); i++) {
            User u = users.get(i);
            if (u.getLogin() == null || u.getLogin().isBlank()) {
                throw new MojoFailureException(where + "<users>, user " + (i + 1) + ": <login> is missing");
            }
            if (u.getPassword() == null || u.getPassword().isEmpty()) {
                instance.user(u.getLogin().strip());   // generated, published with the instance's properties
            } else {
                instance.user(u.getLogin().strip(), u.getPassword());
            }
        }
        List<Table> tables = spec.getTables();
        for (int i = 0; i < tables.size(); i++) {
            Table t = tables.get(i);
            if (t.getName() == null || t.getName().isBlank()) {
                throw new MojoFailureException(where + "<tables>, table " + (i + 1) + ": <name> is missing");
            }
            List<String> lines = t.getLines() == null ? List.of() : t.getLines().stream().map(Configurations::nullToEmpty).toList();
            instance.file(t.getName().strip(), lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
        }
        instance.mechanisms(spec.getMechanisms());
        if (!spec.getServices().isEmpty()) {
            if (spec.getMasterCf() != null) {
                throw new MojoFailureException(where + "give either <masterCf> or its deprecated alias <services>, not both");
            }
            instance.masterCf(String.join("\n", spec.getServices().stream().map(String::strip).toList()) + "\n");
        } else if (spec.getMasterCf() != null && !spec.getMasterCf().isBlank()) {
            instance.masterCf(stripIndent(spec.getMasterCf(), MASTER_CF_ENTRY));
        }
        return instance;
    }

    /** {@link #stripIndent(String, Pattern)} for {@code main.cf} text. */
    static String stripIndent(String text) {
        return stripIndent(text, MAIN_CF_ENTRY);
    }

    /**
     * Un-indents {@code main.cf} or {@code master.cf} text written inside a POM element, where every
     * line carries the XML's indentation and Maven has already trimmed the first line. In both files
     * an indented line continues the previous one, so the base indentation is that of the least
     * indented later line that starts an entry ({@code entryStart}: a parameter or a service) or a
     * comment; lines indented deeper stay continuation lines.
     */
    static String stripIndent(String text, Pattern entryStart) {
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
        int indent = lines.subList(1, lines.size()).stream().filter(l -> entryStart.matcher(l).lookingAt())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(Integer.MAX_VALUE);
        StringBuilder sb = new StringBuilder(lines.get(0).strip()).append('\n');
        for (String l : lines.subList(1, lines.size())) {
            int own = l.length() - l.stripLeading().length();
            sb.append(indent != Integer.MAX_VALUE && own >= indent ? l.substring(indent) : l).append('\n');
        }
        return sb.toString();
    }

    /** A single-valued element, as the parameter it stands for; absent or empty sets nothing. */
    private static void shortcut(InstanceDirectory instance, String parameter, String value) {
        if (value != null && !value.isBlank()) {
            instance.parameter(parameter, value.strip());
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s.strip();
    }

    /** Deletes {@code dir} and everything in it; nothing when it does not exist (or is null). */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
