package dev.mailrelay.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
     * {@code err}. The names postconf knows are its built-in ones, the per-service ones of master.cf's
     * delivery agents ({@code services}, see {@link Parameters#serviceParameters(List)}) and, except
     * with {@code -d}, the user-defined ones that main.cf sets and uses ({@code $name} in main.cf or
     * a master.cf {@code -o}, or a restriction class). Listing all names prints legacy parameters
     * only when set, as postconf does; mailrelay's own {@code mailrelay_*} parameters are printed
     * where Postfix would print a used user-defined one: when main.cf sets them (never with
     * {@code -d}), so that the names listed for a main.cf without them are Postfix's. Asked for by
     * name they are always answered, and never reported unused.
     *
     * @return the exit status: 0, or 1 after {@code postconf: fatal: ...} (a malformed expression
     *     with {@code -x})
     */
    public static int print(Parameters params, List<Service> services, Options options,
                            Consumer<String> out, Consumer<String> err) {
        Parameters source = options.defaults() ? Parameters.defaults(params.instanceName(), params.configDirectory())
                : params;
        Map<String, String> serviceParameters = Parameters.serviceParameters(services);
        Predicate<String> known = name -> Parameters.isKnown(name) || serviceParameters.containsKey(name);
        // Set and used: what postconf adds to its names from main.cf (postconf_user.c); -d reads no main.cf.
        Predicate<String> userDefined = name -> !options.defaults() && params.isSet(name)
                && !Defaults.READ_ONLY.contains(name)
                && (name.startsWith("mailrelay_") && known.test(name) || Defaults.LEGACY.contains(name)
                        || !known.test(name) && params.isUsed(name, services));
        List<String> names = new ArrayList<>();
        if (!options.names().isEmpty()) {
            for (String name : options.names()) {
                if (known.test(name) || userDefined.test(name)) {
                    names.add(name);
                } else {
                    err.accept("postconf: warning: " + name + ": unknown parameter");
                }
            }
        } else if (options.nonDefault()) {
            Set<String> set = new TreeSet<>();
            params.assignedNames().stream()
                    .filter(name -> !Defaults.READ_ONLY.contains(name) && (known.test(name) || userDefined.test(name)))
                    .forEach(set::add);
            // postconf -c DIR reports the directory as a setting, as Postfix does.
            set.add("config_directory");
            names.addAll(set);
        } else {
            Set<String> all = new TreeSet<>(Defaults.POSTFIX_NAMES);
            all.addAll(serviceParameters.keySet());
            params.assignedNames().stream().filter(userDefined).forEach(all::add);
            if (!options.defaults()) {
                // A legacy parameter set only by a master.cf -o is printed too (with its main.cf value).
                services.stream().flatMap(s -> s.overrides().stream()).map(Parameter::name)
                        .filter(Defaults.LEGACY::contains).forEach(all::add);
            }
            names.addAll(all);
        }
        try {
            for (String name : names) {
                // A read-only assignment is ignored; a per-service parameter defaults to $default_...
                String value = source.isSet(name) && !Defaults.READ_ONLY.contains(name) ? source.raw(name)
                        : serviceParameters.getOrDefault(name, Parameters.defaults(params.instanceName(),
                                params.configDirectory()).raw(name));
                if (options.expand()) {
                    value = source.expand(name, value);
                }
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
        if (!options.defaults()) {
            undefined(params, services, known, err);
            for (String name : params.assignedNames()) {
                Parameter p = params.origin(name);
                if (Defaults.READ_ONLY.contains(name)) {
                    err.accept("postconf: warning: " + location(p) + "read-only parameter assignment: " + name + "="
                            + p.value());
                }
            }
            for (Parameter p : params.unused(services)) {
                err.accept("postconf: warning: " + location(p) + "unused parameter: " + p.name() + "="
                        + mask(p.name(), p.value()));
            }
        }
        return 0;
    }

    // A $name, ${name...} or $(name) in a value; "$$" is a literal dollar sign.
    private static final Pattern MACRO = Pattern.compile("\\$(\\$|[{(]\\s*)?([A-Za-z0-9_]+)?");

    /**
     * postconf_user.c pcf_flag_user_parameter(): a {@code $name} in a master.cf {@code -o} value or a
     * main.cf value (every branch of a conditional) that names no known parameter and is set neither
     * in main.cf nor in a master.cf {@code -o} (of the same service, for an {@code -o} value).
     */
    private static void undefined(Parameters params, List<Service> services, Predicate<String> known,
                                  Consumer<String> err) {
        Set<String> setInMasterCf = new HashSet<>();
        services.forEach(s -> s.overrides().forEach(p -> setInMasterCf.add(p.name())));
        for (Service s : services) {
            Set<String> local = new HashSet<>();
            s.overrides().forEach(p -> local.add(p.name()));
            for (Parameter p : s.overrides()) {
                undefined(p, name -> known.test(name) || params.isSet(name) || local.contains(name), err);
            }
        }
        for (String name : params.assignedNames()) {
            if (!Defaults.READ_ONLY.contains(name) && !Defaults.RAW.contains(name)) {
                undefined(params.origin(name),
                        n -> known.test(n) || params.isSet(n) || setInMasterCf.contains(n), err);
            }
        }
    }

    private static void undefined(Parameter p, Predicate<String> defined, Consumer<String> err) {
        Matcher m = MACRO.matcher(p.value());
        while (m.find()) {
            if (!"$".equals(m.group(1)) && m.group(2) != null && !defined.test(m.group(2))) {
                err.accept("postconf: warning: " + location(p) + "undefined parameter: " + m.group(2));
            }
        }
    }

    /** postconf names the file only ({@code /etc/postfix/main.cf: }), not the line. */
    private static String location(Parameter p) {
        return p.source() == null ? "" : p.source() + ": ";
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
