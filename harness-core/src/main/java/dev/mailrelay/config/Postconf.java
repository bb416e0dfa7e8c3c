package dev.mailrelay.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * postconf(1) over an instance's parameters, for the standalone runner's {@code postconf} command and
 * the Maven plugin's {@code postconf} goal: {@code -n} (only parameters set in main.cf), {@code -d}
 * (defaults), {@code -x} (expand {@code $name}), {@code -h} (values without names) and parameter
 * names, answered as Postfix 3.7's postconf answers: {@code name = value} lines on standard output
 * (white space between words printed as one space, as pcf_print_line() does),
 * {@code postconf: warning: name: unknown parameter} for a name it does not know (exit status 0 all
 * the same), then a warning for each main.cf parameter that is neither known nor used.
 *
 * <p>One deliberate difference: the values of {@code inline:} tables in the password parameters
 * ({@link #SECRET_TABLES}) are printed as {@code inline:{ (hidden) }}, as everything mailrelay prints
 * keeps passwords out.
 *
 * <pre>{@code
 * Postconf.Options o = Postconf.Options.parse(List.of("-nx"));
 * int status = Postconf.print(params, List.of(), o, System.out::println, System.err::println);
 * }</pre>
 */
public final class Postconf {

    /** Parameters whose inline tables hold passwords. */
    public static final List<String> SECRET_TABLES = List.of("mailrelay_sasl_users", "smtp_sasl_password_maps",
            "lmtp_sasl_password_maps", "mailrelay_sasl_oauth_tokens");

    /** postconf's usage line for the options mailrelay answers. */
    public static final String USAGE = "usage: postconf [-c config_dir] [-d (parameter defaults)] [-h (no names)] "
            + "[-n (non-default parameters)] [-x (expand parameter values)] [name...]";

    /**
     * What to print.
     *
     * @param nonDefault -n: only the parameters set in main.cf
     * @param defaults   -d: default values instead of the configured ones
     * @param expand     -x: values with {@code $name} expanded
     * @param hideNames  -h: values only
     * @param names      the parameters asked for; empty for all
     */
    public record Options(boolean nonDefault, boolean defaults, boolean expand, boolean hideNames,
                          List<String> names) {

        /**
         * Parses postconf's flags ({@code -n -d -x -h}, bundled or not) and names; {@code -c} is the
         * caller's business.
         *
         * @throws IllegalArgumentException naming an option mailrelay's postconf does not have
         */
        public static Options parse(List<String> args) {
            boolean n = false;
            boolean d = false;
            boolean x = false;
            boolean h = false;
            List<String> names = new ArrayList<>();
            boolean options = true;
            for (String arg : args) {
                if (options && arg.equals("--")) {
                    options = false;
                } else if (options && arg.startsWith("-") && arg.length() > 1) {
                    for (char c : arg.substring(1).toCharArray()) {
                        switch (c) {
                            case 'n' -> n = true;
                            case 'd' -> d = true;
                            case 'x' -> x = true;
                            case 'h' -> h = true;
                            default -> throw new IllegalArgumentException("invalid option -- '" + c + "'");
                        }
                    }
                } else {
                    options = false;
                    names.add(arg);
                }
            }
            return new Options(n, d, x, h, List.copyOf(names));
        }
    }

    private Postconf() {
    }

    /**
     * Prints as postconf does: lines to {@code out}, {@code postconf: warning: ...} lines to
     * {@code err}. {@code masterCfOverrides} (the {@code -o} settings of master.cf) count as uses of
     * user-defined parameters, as in Postfix.
     *
     * @return the exit status: 0, or 1 after {@code postconf: fatal: ...} (a malformed expression
     *     with {@code -x})
     */
    public static int print(Parameters params, List<Parameter> masterCfOverrides, Options options,
                            Consumer<String> out, Consumer<String> err) {
        Parameters source = options.defaults() ? Parameters.defaults(params.instanceName(), params.configDirectory())
                : params;
        List<String> names = new ArrayList<>();
        if (!options.names().isEmpty()) {
            for (String name : options.names()) {
                if (isPrintable(params, name, masterCfOverrides)) {
                    names.add(name);
                } else {
                    err.accept("postconf: warning: " + name + ": unknown parameter");
                }
            }
        } else if (options.nonDefault()) {
            Set<String> set = new TreeSet<>();
            params.assignedNames().stream().filter(name -> isPrintable(params, name, masterCfOverrides)).forEach(set::add);
            // postconf -c DIR reports the directory as a setting, as Postfix does.
            set.add("config_directory");
            names.addAll(set);
        } else {
            Set<String> all = new TreeSet<>(Defaults.POSTFIX_NAMES);
            all.addAll(Defaults.VALUES.keySet());
            params.assignedNames().stream().filter(name -> isPrintable(params, name, masterCfOverrides)).forEach(all::add);
            names.addAll(all);
        }
        try {
            for (String name : names) {
                String value = options.expand() ? source.get(name) : source.raw(name);
                // pcf_print_line(): postconf prints words separated by one space.
                value = String.join(" ", mask(name, value).strip().split("[ \t\r\n]+"));
                if (options.hideNames()) {
                    out.accept(value);
                } else {
                    out.accept(value.isEmpty() ? name + " =" : name + " = " + value);
                }
            }
        } catch (ConfigException e) {
            err.accept("postconf: warning: " + e.getMessage());
            err.accept("postconf: fatal: macro processing error");
            return 1;
        }
        for (Parameter p : params.unused(masterCfOverrides)) {
            err.accept("postconf: warning: " + (p.source() == null ? "" : p.source() + ": ") + "unused parameter: "
                    + p.name() + "=" + mask(p.name(), p.value()));
        }
        return 0;
    }

    /** Known to Postfix or mailrelay, or set and used by another parameter ({@code $name}). */
    private static boolean isPrintable(Parameters params, String name, List<Parameter> masterCfOverrides) {
        return Parameters.isKnown(name) || (params.isSet(name) && params.isReferenced(name, masterCfOverrides));
    }

    /**
     * {@code inline:{ ... }} of a password parameter as {@code inline:{ (hidden) }}; braces nest, as
     * in {@code inline:{ { alice = s3cret }, bob=pw2 }}, and an unclosed table hides the rest.
     */
    public static String mask(String name, String value) {
        if (!SECRET_TABLES.contains(name)) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int start = value.indexOf("inline:{", i);
            if (start < 0) {
                return out.append(value, i, value.length()).toString();
            }
            out.append(value, i, start).append("inline:{ (hidden) }");
            int depth = 0;
            int j = start + "inline:".length();
            for (; j < value.length(); j++) {
                char c = value.charAt(j);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    break;
                }
            }
            i = Math.min(value.length(), j + 1);
        }
    }
}
