package dev.mailrelay.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code master.cf} as master(5) defines it: one service per logical line (as
 * {@link LogicalLines} reads them), eight columns, then the command's arguments,
 * of which {@code -o name=value} and Postfix 3.0's {@code -o { name = value }} are per-service
 * parameter overrides.
 *
 * <pre>{@code
 * List<Service> services = MasterCf.parse("""
 *     submission inet n - n - - smtpd
 *       -o smtpd_sasl_auth_enable=yes
 *       -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
 *     """, "master.cf");
 * }</pre>
 */
public final class MasterCf {

    /** What Postfix ships enabled: one smtpd on port 25. */
    public static final String DEFAULT = "smtp inet n - y - - smtpd\n";

    private MasterCf() {
    }

    /** Reads a {@code master.cf} file. */
    public static List<Service> read(Path file) {
        String text;
        try {
            text = LogicalLines.readText(file, "cannot read");
        } catch (ConfigException e) {
            throw new ConfigException(file.toString(), 0, null, e.detail());
        }
        return parse(text, file.toString());
    }

    /** Parses {@code master.cf} text; {@code source} names it in errors. */
    public static List<Service> parse(String text, String source) {
        List<Service> services = new ArrayList<>();
        for (LogicalLines.Line line : LogicalLines.parse(text, source)) {
            services.add(service(line.text().strip(), source, line.number()));
        }
        return services;
    }

    private static Service service(String logical, String source, int line) {
        List<String> words = Parameters.split(logical, false);
        if (words.size() < 8) {
            throw new ConfigException(source, line, null,
                    "bad master.cf entry, expected service type private unpriv chroot wakeup maxproc command: "
                            + logical);
        }
        String type = words.get(1);
        if (!List.of("inet", "unix", "unix-dgram", "fifo", "pass").contains(type)) {
            throw new ConfigException(source, line, null, "unknown service type: " + type);
        }
        List<Parameter> overrides = new ArrayList<>();
        List<String> args = words.subList(8, words.size());
        for (int a = 0; a < args.size(); a++) {
            String arg = args.get(a);
            String assignment = null;
            if (arg.equals("-o")) {
                if (a + 1 >= args.size()) {
                    throw new ConfigException(source, line, null, "-o without name=value");
                }
                assignment = args.get(++a);
            } else if (arg.startsWith("-o") && arg.length() > 2) {
                assignment = arg.substring(2);
            }
            if (assignment != null) {
                if (assignment.startsWith("{") && assignment.endsWith("}")) {
                    assignment = assignment.substring(1, assignment.length() - 1).strip();
                }
                overrides.add(MainCf.entry(assignment, source, line));
            }
        }
        return new Service(words.get(0), type, words.get(7), List.copyOf(overrides), source, line);
    }
}
