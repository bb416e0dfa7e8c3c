package dev.mailrelay.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The typed parameter model of one instance (or one service of it): Postfix's defaults, then the
 * {@code main.cf} assignments, then overrides (builder, annotation, plugin, master.cf {@code -o}),
 * the last assignment of a name winning. Values are {@code $name}-expanded on every read, as the
 * Postfix daemons do, and typed reads fail with an error naming the file, line and parameter.
 *
 * <pre>{@code
 * Parameters p = Parameters.defaults("isp").with(MainCf.read(dir.resolve("main.cf")));
 * boolean sasl = p.bool("smtpd_sasl_auth_enable");
 * String banner = p.get("smtpd_banner");          // "isp.localdomain ESMTP Postfix"
 * Parameters submission = p.with(service.overrides());
 * }</pre>
 */
public final class Parameters {

    private static final Pattern TIME = Pattern.compile("(\\d+)([smhdw]?)");
    private static final Pattern IP_LITERAL = Pattern.compile("\\[?(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*)]?");

    private final String instanceName;
    private final Path configDirectory;
    private final Map<String, Parameter> assigned;

    private Parameters(String instanceName, Path configDirectory, Map<String, Parameter> assigned) {
        this.instanceName = instanceName;
        this.configDirectory = configDirectory;
        this.assigned = assigned;
    }

    /**
     * Postfix's defaults for an instance whose directory is the working directory; {@code myhostname}
     * defaults to {@code <name>.localdomain}.
     */
    public static Parameters defaults(String instanceName) {
        return defaults(instanceName, Path.of("").toAbsolutePath());
    }

    /**
     * Postfix's defaults for an instance whose directory is {@code configDirectory}: it is what
     * {@code $config_directory} (and the other directories an instance owns, see {@link #DIRECTORIES})
     * expand to, so that {@code hash:${config_directory}/sasl_passwd} names the instance's own table.
     */
    public static Parameters defaults(String instanceName, Path configDirectory) {
        return new Parameters(instanceName, configDirectory.toAbsolutePath().normalize(), Collections.emptyMap());
    }

    /**
     * The directory parameters that name the instance directory: Postfix keeps its configuration, its
     * caches and its queue in them; an instance keeps all of these in its one directory. The
     * directories of Postfix's programs and documentation ({@code daemon_directory},
     * {@code command_directory}, ...) keep Debian's values: mailrelay runs none of those programs.
     */
    public static final List<String> DIRECTORIES =
            List.of("config_directory", "meta_directory", "data_directory", "queue_directory");

    /** A copy with these assignments layered on top (later ones win). */
    public Parameters with(List<Parameter> assignments) {
        Map<String, Parameter> next = new LinkedHashMap<>(assigned);
        for (Parameter p : assignments) {
            next.remove(p.name());
            next.put(p.name(), p);
        }
        return new Parameters(instanceName, configDirectory, Collections.unmodifiableMap(next));
    }

    /** The instance these parameters belong to. */
    public String instanceName() {
        return instanceName;
    }

    /**
     * Whether {@code compatibility_level} is below {@code level} and {@code name} is not set: then
     * Postfix uses the backwards-compatible default of {@code name} and logs each time it makes a
     * difference ("using backwards-compatible default setting ..."), as mail_params.c's
     * check_legacy_defaults() arranges.
     */
    public boolean legacyDefault(String name, String level) {
        return !isSet(name) && MacroExpansion.compatibilityLevel(get("compatibility_level"))
                < MacroExpansion.compatibilityLevel(level);
    }

    /** The instance directory: {@code $config_directory}. */
    public Path configDirectory() {
        return configDirectory;
    }

    /** The fully expanded value; empty for an unset parameter without default. */
    public String get(String name) {
        return expand(name, raw(name));
    }

    /**
     * Expands {@code text} as the value of parameter {@code owner} would be expanded (Postfix's
     * mac_expand(), relational expressions included).
     *
     * @throws ConfigException with Postfix's wording for a malformed expression, naming {@code owner}
     */
    public String expand(String owner, String text) {
        return new MacroExpansion(this::lookup, this::error, owner).expand(owner, text);
    }

    /** The value before {@code $name} expansion; empty for a name nobody defines. */
    public String raw(String name) {
        String v = lookup(name);
        return v == null ? "" : v;
    }

    /**
     * The value before expansion, or {@code null} when the name is defined nowhere: not assigned, not
     * implemented by mailrelay and not a Postfix parameter ({@code postconf -d}).
     */
    String lookup(String name) {
        Parameter p = assigned.get(name);
        if (p != null) {
            return p.value();
        }
        String d = Defaults.VALUES.get(name);
        if (d != null && !d.isEmpty()) {
            return d;
        }
        String computed = computedDefault(name);
        if (computed != null) {
            return computed;
        }
        return d != null ? d : Defaults.POSTFIX.get(name);
    }

    /** The default before expansion, as {@code postconf -d} prints it; {@code null} for an unknown name. */
    public String defaultValue(String name) {
        return defaults(instanceName, configDirectory).lookup(name);
    }

    /**
     * Whether Postfix or mailrelay knows the name (it has a default, possibly empty); the per-service
     * names master.cf adds are {@link #serviceParameters(List)}.
     */
    public static boolean isKnown(String name) {
        return Defaults.VALUES.containsKey(name) || Defaults.POSTFIX.containsKey(name)
                || Defaults.LEGACY.contains(name);
    }

    /**
     * The parameters postconf derives from master.cf (postconf_service.c
     * pcf_register_service_parameters()): for each service whose command is a delivery agent,
     * {@code <service>_destination_concurrency_limit} etc. with the default {@code $default_...}
     * ({@code pipe} and {@code spawn} also {@code <service>_time_limit}), sorted by name. Names
     * Postfix has built in ({@code local_destination_concurrency_limit}) keep their own default.
     */
    public static Map<String, String> serviceParameters(List<Service> services) {
        Map<String, String> out = new TreeMap<>();
        for (Service s : services) {
            List<String[]> suffixes = switch (s.command()) {
                case "local", "error", "virtual", "smtp", "lmtp" -> SERVICE_SUFFIXES.subList(1, SERVICE_SUFFIXES.size());
                case "pipe" -> SERVICE_SUFFIXES;
                case "spawn" -> SERVICE_SUFFIXES.subList(0, 1);
                default -> List.of();
            };
            for (String[] suffix : suffixes) {
                String name = s.name() + suffix[0];
                if (!isKnown(name)) {
                    out.put(name, "$" + suffix[1]);
                }
            }
        }
        return out;
    }

    // postconf_service.c pipe_params: suffix and the parameter whose value is the default.
    private static final List<String[]> SERVICE_SUFFIXES = List.of(
            new String[] {"_time_limit", "command_time_limit"},
            new String[] {"_recipient_limit", "default_recipient_limit"},
            new String[] {"_extra_recipient_limit", "default_extra_recipient_limit"},
            new String[] {"_recipient_refill_limit", "default_recipient_refill_limit"},
            new String[] {"_recipient_refill_delay", "default_recipient_refill_delay"},
            new String[] {"_delivery_slot_cost", "default_delivery_slot_cost"},
            new String[] {"_delivery_slot_loan", "default_delivery_slot_loan"},
            new String[] {"_delivery_slot_discount", "default_delivery_slot_discount"},
            new String[] {"_minimum_delivery_slots", "default_minimum_delivery_slots"},
            new String[] {"_initial_destination_concurrency", "initial_destination_concurrency"},
            new String[] {"_destination_concurrency_limit", "default_destination_concurrency_limit"},
            new String[] {"_destination_recipient_limit", "default_destination_recipient_limit"},
            new String[] {"_destination_concurrency_positive_feedback",
                "default_destination_concurrency_positive_feedback"},
            new String[] {"_destination_concurrency_negative_feedback",
                "default_destination_concurrency_negative_feedback"},
            new String[] {"_destination_concurrency_failed_cohort_limit",
                "default_destination_concurrency_failed_cohort_limit"},
            new String[] {"_destination_rate_delay", "default_destination_rate_delay"},
            new String[] {"_transport_rate_delay", "default_transport_rate_delay"});

    /** Whether the parameter was assigned explicitly (not a default). */
    public boolean isSet(String name) {
        return assigned.containsKey(name);
    }

    /** Where the parameter was assigned, or {@code null} for a default. */
    public Parameter origin(String name) {
        return assigned.get(name);
    }

    /**
     * {@code myorigin} as Debian's Postfix uses it: a value starting with {@code /} names a file whose
     * first line, without surrounding white space, is the origin (mail_params.c read_param_from_file(),
     * built with MYORIGIN_FROM_FILE as Debian does; {@code postconf} still prints the file name).
     *
     * @throws ConfigException when the file cannot be read or its first line is empty, as Postfix
     *     refuses to start
     */
    public String myorigin() {
        String v = get("myorigin");
        if (!v.startsWith("/")) {
            return v;
        }
        String text;
        try {
            text = LogicalLines.readText(Path.of(v), v);
        } catch (ConfigException e) {
            throw error("myorigin", e.detail());
        }
        String origin = text.lines().findFirst().orElse("").strip();
        if (origin.isEmpty()) {
            throw error("myorigin", "myorigin file " + v + " is empty");
        }
        return origin;
    }

    /** A {@code yes}/{@code no} parameter (case-insensitive, as Postfix reads it). */
    public boolean bool(String name) {
        String v = get(name);
        if (v.equalsIgnoreCase("yes")) {
            return true;
        }
        if (v.equalsIgnoreCase("no")) {
            return false;
        }
        throw error(name, "bad boolean configuration: " + name + " = " + v);
    }

    /** An integer parameter. */
    public int integer(String name) {
        return (int) Math.min(Integer.MAX_VALUE, longValue(name));
    }

    /** A non-negative long parameter (sizes, limits). */
    public long longValue(String name) {
        String v = get(name);
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw error(name, "bad numerical configuration: " + name + " = " + v);
        }
    }

    /** A time parameter: a number with an optional unit s, m, h, d or w (seconds when absent). */
    public Duration time(String name) {
        String v = get(name);
        Matcher m = TIME.matcher(v);
        if (!m.matches()) {
            throw error(name, "bad time value or unit: " + v);
        }
        Duration d;
        try {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(Math.multiplyExact(7, n));
                default -> Duration.ofSeconds(n);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            d = null;
        }
        // Postfix's conv_time() keeps seconds in an int and refuses what overflows it.
        if (d == null || d.getSeconds() > Integer.MAX_VALUE) {
            throw error(name, "bad time value or unit: " + v);
        }
        return d;
    }

    /** A list parameter, split on commas and whitespace with {@code {...}} groups kept whole. */
    public List<String> list(String name) {
        return split(get(name));
    }

    /**
     * Splits a value the way Postfix's mystrtokq() does: separators are commas and whitespace,
     * text inside balanced braces stays one token (braces kept).
     */
    public static List<String> split(String value) {
        return split(value, true);
    }

    /** Like {@link #split(String)}, optionally keeping commas inside tokens (master.cf columns). */
    static List<String> split(String value, boolean commaSeparates) {
        List<String> out = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (depth == 0 && ((commaSeparates && c == ',') || Character.isWhitespace(c))) {
                if (token.length() > 0) {
                    out.add(token.toString());
                    token.setLength(0);
                }
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}' && depth > 0) {
                depth--;
            }
            token.append(c);
        }
        if (token.length() > 0) {
            out.add(token.toString());
        }
        return out;
    }

    /**
     * An SMTP reply code for a reject or defer reply: 4xx or 5xx. Postfix reads these as plain
     * integers and, at reply time, logs "SMTP reply code configuration error" and sends a generic
     * 450; mailrelay refuses the value at start instead, in check_mail_conf_int()'s wording.
     */
    public int replyCode(String name) {
        String v = get(name);
        int code;
        try {
            code = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error(name, "bad numerical configuration: " + name + " = " + v);
        }
        if (code < 400) {
            throw error(name, "invalid " + name + " parameter value " + code + " < 400");
        }
        if (code > 599) {
            throw error(name, "invalid " + name + " parameter value " + code + " > 599");
        }
        return code;
    }

    /**
     * Parses a parameter's value with a parser from the package that owns its vocabulary; an error
     * the parser raises is reported against this parameter (its file and line), unless it names a
     * file of its own (a table source file), whose line is kept.
     *
     * <pre>{@code
     * SecurityOptions options = params.parsed("smtpd_sasl_security_options", SecurityOptions::parse);
     * }</pre>
     */
    public <T> T parsed(String name, Function<String, T> parser) {
        String value = get(name);
        try {
            return parser.apply(value);
        } catch (ConfigException e) {
            throw relocate(name, e);
        }
    }

    /** An error found in a parameter's value, given the parameter's name and origin unless it has its own file. */
    public ConfigException relocate(String name, ConfigException e) {
        if (e.source() != null && e.parameter() == null) {
            ConfigException located = new ConfigException(e.source(), e.line(), name, e.detail());
            located.initCause(e);
            return located;
        }
        if (e.source() != null) {
            return e;
        }
        ConfigException located = error(name, e.detail());
        located.initCause(e);
        return located;
    }

    /**
     * Checks every implemented parameter's expanded value against its {@link ParameterKind}, as an
     * instance start does for main.cf and again for each master.cf service with its {@code -o}
     * overrides. Assigned parameters are checked first, in assignment order, so that an error names
     * the parameter the user wrote rather than one whose default refers to it.
     *
     * @throws ConfigException naming the file, line and parameter of the first malformed value
     */
    public void check() {
        for (Parameter p : assigned.values()) {
            ParameterKind kind = Defaults.KINDS.get(p.name());
            if (kind != null) {
                kind.check(this, p.name());
            }
        }
        for (Map.Entry<String, ParameterKind> e : Defaults.KINDS.entrySet()) {
            if (!assigned.containsKey(e.getKey())) {
                e.getValue().check(this, e.getKey());
            }
        }
    }

    /** The kind of an implemented parameter, or {@code null} for a name mailrelay does not implement. */
    public static ParameterKind kind(String name) {
        return Defaults.KINDS.get(name);
    }

    /** The implemented parameters of kind {@link ParameterKind#TEXT}: any value is well-formed. */
    public static Set<String> freeText() {
        Set<String> out = new TreeSet<>();
        Defaults.KINDS.forEach((name, kind) -> {
            if (kind == ParameterKind.TEXT) {
                out.add(name);
            }
        });
        return out;
    }

    /** Host names as Postfix's valid_hostname() accepts them; {@code list}: each of a list. */
    void hostnames(String name, boolean list) {
        String v = get(name);
        for (String host : list ? split(v) : List.of(v.strip())) {
            if (!validHostname(host)) {
                throw error(name, "bad parameter value: " + host);
            }
        }
    }

    /** {@code inet_interfaces}: {@code all}, {@code loopback-only}, addresses or host names. */
    void interfaces(String name) {
        for (String word : list(name)) {
            String w = word.toLowerCase(Locale.ROOT);
            if (!w.equals("all") && !w.equals("loopback-only") && !IP_LITERAL.matcher(w).matches()
                    && !validHostname(w)) {
                throw error(name, "bad parameter value: " + word);
            }
        }
    }

    /** Each entry of a table list has the {@code type:name} form dict_open() requires. */
    void tableSyntax(String name) {
        for (String spec : list(name)) {
            int colon = spec.indexOf(':');
            if (colon <= 0 || colon == spec.length() - 1) {
                throw error(name, "open dictionary: expecting \"type:name\" form instead of \"" + spec + "\"");
            }
        }
    }

    // Postfix's valid_hostname(): labels of letters, digits, '_' and inner '-', at most 63
    // characters each and 255 in all, not all numeric.
    static boolean validHostname(String name) {
        if (name.isEmpty() || name.length() > 255) {
            return false;
        }
        boolean nonNumeric = false;
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (c >= 128 || !(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
                    return false;
                }
                nonNumeric |= !Character.isDigit(c);
            }
        }
        return nonNumeric;
    }

    /** An error about a parameter, naming the file and line it was set on when known. */
    public ConfigException error(String name, String message) {
        Parameter p = assigned.get(name);
        return p == null ? new ConfigException(null, 0, name, message)
                : new ConfigException(p.source(), p.line(), name, message);
    }

    /**
     * What postconf warns about: assigned names that are neither known (to Postfix or mailrelay, or
     * as a per-service parameter of one of {@code services}) nor used as {@code $name} by a main.cf
     * value or a master.cf {@code -o name=value}, nor named in {@code smtpd_restriction_classes}, in
     * assignment order.
     */
    public List<Parameter> unused(List<Service> services) {
        Map<String, String> serviceParameters = serviceParameters(services);
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : assigned.values()) {
            if (!isKnown(p.name()) && !serviceParameters.containsKey(p.name()) && !isUsed(p.name(), services)) {
                out.add(p);
            }
        }
        return out;
    }

    /** {@link #unused(List)} as warning lines naming file and line. */
    public List<String> warnings(List<Service> services) {
        return unused(services).stream()
                .map(p -> location(p) + "unused parameter: " + p.name() + "=" + Postconf.mask(p.name(), p.value()))
                .toList();
    }

    /**
     * Assigned parameters that Postfix has (built in, legacy, or per-service for one of master.cf's
     * {@code services}) but mailrelay ignores, each with whether it changes what mail is accepted or delivered ({@link Defaults#CHANGES_MAIL}: a start logs those at WARN).
     */
    public Map<Parameter, Boolean> notImplemented(List<Service> services) {
        Map<String, String> serviceParameters = serviceParameters(services);
        Map<Parameter, Boolean> out = new LinkedHashMap<>();
        for (Parameter p : assigned.values()) {
            if (!Defaults.VALUES.containsKey(p.name()) && !DIRECTORIES.contains(p.name())
                    && (isKnown(p.name()) || serviceParameters.containsKey(p.name()))) {
                out.put(p, Defaults.CHANGES_MAIL.contains(p.name()) && !get(p.name()).isBlank());
            }
        }
        return out;
    }

    /** The message for a parameter {@link #notImplemented(List)} lists. */
    public static String notImplementedMessage(Parameter p, boolean changesMail) {
        return location(p) + "parameter " + p.name() + " is not implemented by mailrelay and has no effect"
                + (changesMail ? ": Postfix would use it to decide what mail is accepted or delivered" : "");
    }

    /** The names assigned explicitly, in assignment order. */
    public Set<String> assignedNames() {
        return Collections.unmodifiableSet(assigned.keySet());
    }

    /**
     * The parameters assigned explicitly, with their expanded values, sorted by name: what
     * {@code postconf -n} prints. Two ways of configuring an instance that give equal maps give
     * the same instance.
     */
    public Map<String, String> explicit() {
        Map<String, String> out = new TreeMap<>();
        for (String name : assigned.keySet()) {
            out.put(name, get(name));
        }
        return out;
    }

    /** The names mailrelay implements. */
    public static Set<String> implementedNames() {
        return Defaults.VALUES.keySet();
    }

    /**
     * Whether a user-defined name is used (postconf_user.c): a main.cf value or a master.cf
     * {@code -o} value names it as {@code $name}, {@code ${name...}} or {@code $(name)}, or
     * {@code smtpd_restriction_classes} lists it.
     */
    boolean isUsed(String name, List<Service> services) {
        Pattern ref = Pattern.compile("\\$(\\{|\\()?\\s*" + Pattern.quote(name) + "(?![A-Za-z0-9_])");
        return assigned.values().stream().anyMatch(p -> ref.matcher(p.value()).find())
                || services.stream().flatMap(s -> s.overrides().stream()).anyMatch(p -> ref.matcher(p.value()).find())
                || restrictionClasses().contains(name);
    }

    private List<String> restrictionClasses() {
        try {
            return split(get("smtpd_restriction_classes"));
        } catch (ConfigException e) {
            // A malformed value is reported where it is read; here it names no class.
            return List.of();
        }
    }

    private static String location(Parameter p) {
        if (p.source() == null) {
            return "";
        }
        return p.line() > 0 ? p.source() + ", line " + p.line() + ": " : p.source() + ": ";
    }

    private String computedDefault(String name) {
        if (DIRECTORIES.contains(name)) {
            return configDirectory.toString();
        }
        switch (name) {
            case "myhostname":
                return instanceName.contains(".") ? instanceName : instanceName + "." + Defaults.LOCALDOMAIN;
            case "mydomain": {
                String host = get("myhostname");
                int dot = host.indexOf('.');
                return dot < 0 || dot == host.length() - 1 ? Defaults.LOCALDOMAIN : host.substring(dot + 1);
            }
            case "mynetworks":
                // The harness's host has one interface, loopback: "host" style trusts only the
                // interface address, so a client bound to 127.0.0.2 is an outside client.
                return get("mynetworks_style").equalsIgnoreCase("host")
                        ? "127.0.0.1/32 [::1]/128" : "127.0.0.0/8 [::1]/128";
            default:
                return null;
        }
    }

    @Override
    public String toString() {
        return "Parameters[" + instanceName + ", " + assigned.size() + " assigned]";
    }
}
