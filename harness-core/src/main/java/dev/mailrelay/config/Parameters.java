package dev.mailrelay.config;

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

    private static final int MAX_NESTING = 100;
    private static final Pattern TIME = Pattern.compile("(\\d+)([smhdw]?)");
    private static final Pattern IP_LITERAL = Pattern.compile("\\[?(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*)]?");

    private final String instanceName;
    private final Map<String, Parameter> assigned;

    private Parameters(String instanceName, Map<String, Parameter> assigned) {
        this.instanceName = instanceName;
        this.assigned = assigned;
    }

    /** Postfix's defaults for an instance; {@code myhostname} defaults to {@code <name>.localdomain}. */
    public static Parameters defaults(String instanceName) {
        return new Parameters(instanceName, Collections.emptyMap());
    }

    /** A copy with these assignments layered on top (later ones win). */
    public Parameters with(List<Parameter> assignments) {
        Map<String, Parameter> next = new LinkedHashMap<>(assigned);
        for (Parameter p : assignments) {
            next.remove(p.name());
            next.put(p.name(), p);
        }
        return new Parameters(instanceName, Collections.unmodifiableMap(next));
    }

    /** The instance these parameters belong to. */
    public String instanceName() {
        return instanceName;
    }

    /** The fully expanded value; empty for an unset parameter without default. */
    public String get(String name) {
        return expand(name, raw(name), 0, new Budget(name));
    }

    /** The value before {@code $name} expansion. */
    public String raw(String name) {
        Parameter p = assigned.get(name);
        if (p != null) {
            return p.value();
        }
        String d = Defaults.VALUES.get(name);
        if (d != null && !d.isEmpty()) {
            return d;
        }
        return computedDefault(name);
    }

    /** Whether the parameter was assigned explicitly (not a default). */
    public boolean isSet(String name) {
        return assigned.containsKey(name);
    }

    /** Where the parameter was assigned, or {@code null} for a default. */
    public Parameter origin(String name) {
        return assigned.get(name);
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
    private static boolean validHostname(String name) {
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
     * What {@code postconf -n} would warn about: assigned names that are neither implemented nor
     * referenced as {@code $name} by another value. Names Postfix knows but mailrelay does not
     * implement are listed separately by {@link #notImplemented()}.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (Parameter p : assigned.values()) {
            if (!Defaults.VALUES.containsKey(p.name()) && !Defaults.POSTFIX_NAMES.contains(p.name())
                    && !isReferenced(p.name())) {
                out.add(location(p) + "unused parameter: " + p.name() + "=" + p.value());
            }
        }
        return out;
    }

    /** Assigned parameters that Postfix has but mailrelay ignores. */
    public List<String> notImplemented() {
        List<String> out = new ArrayList<>();
        for (Parameter p : assigned.values()) {
            if (!Defaults.VALUES.containsKey(p.name()) && Defaults.POSTFIX_NAMES.contains(p.name())) {
                out.add(location(p) + "parameter " + p.name() + " is not implemented by mailrelay and has no effect");
            }
        }
        return out;
    }

    /** Every implemented parameter and every assigned one with its expanded value, sorted by name ({@code postconf}). */
    public Map<String, String> effective() {
        Map<String, String> out = new TreeMap<>();
        for (String name : Defaults.VALUES.keySet()) {
            out.put(name, get(name));
        }
        for (String name : assigned.keySet()) {
            out.put(name, get(name));
        }
        return out;
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

    private boolean isReferenced(String name) {
        Pattern ref = Pattern.compile("\\$(\\{|\\()?" + Pattern.quote(name) + "(?![A-Za-z0-9_])");
        return assigned.values().stream().anyMatch(p -> ref.matcher(p.value()).find());
    }

    private static String location(Parameter p) {
        if (p.source() == null) {
            return "";
        }
        return p.line() > 0 ? p.source() + ", line " + p.line() + ": " : p.source() + ": ";
    }

    private String computedDefault(String name) {
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
                return "";
        }
    }

    /**
     * The work one expansion may do: characters produced plus {@code $name} references resolved.
     * Postfix bounds only the nesting depth; a chain such as {@code a = $b$b}, {@code b = $c$c}, ...
     * grows exponentially without nesting deeply, so mailrelay also bounds the size (1 MiB, far
     * above any real main.cf value) and fails fast naming the parameter.
     */
    static final int MAX_EXPANSION = 1 << 20;

    /** The work budget of one expansion of {@code top}. */
    private static final class Budget {
        final String top;
        int used;

        Budget(String top) {
            this.top = top;
        }
    }

    private void spend(Budget budget, int work) {
        budget.used += work;
        if (budget.used > MAX_EXPANSION) {
            throw error(budget.top, "unreasonable macro expansion size: \"" + budget.top + "\" expands to more than "
                    + MAX_EXPANSION + " characters or references");
        }
    }

    // Postfix's mac_expand(): $name, ${name}, $(name), ${name?text}, ${name:text},
    // ${name?{text}:{text}}, and $$ for a literal dollar.
    private String expand(String forName, String value, int depth, Budget budget) {
        if (value.indexOf('$') < 0) {
            spend(budget, value.length());
            return value;
        }
        if (depth > MAX_NESTING) {
            throw error(forName, "unreasonable macro call nesting: \"" + forName + "\"");
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c != '$' || i + 1 >= value.length()) {
                out.append(c);
                spend(budget, 1);
                i++;
                continue;
            }
            char n = value.charAt(i + 1);
            if (n == '$') {
                out.append('$');
                spend(budget, 1);
                i += 2;
            } else if (n == '{' || n == '(') {
                int close = matching(value, i + 1);
                if (close < 0) {
                    throw error(forName, "missing '" + (n == '{' ? '}' : ')') + "' in \"" + value + "\"");
                }
                out.append(expandCall(forName, value.substring(i + 2, close), depth, budget));
                i = close + 1;
            } else if (isNameChar(n)) {
                int end = i + 1;
                while (end < value.length() && isNameChar(value.charAt(end))) {
                    end++;
                }
                String ref = value.substring(i + 1, end);
                spend(budget, 1);
                out.append(expand(ref, raw(ref), depth + 1, budget));
                i = end;
            } else {
                out.append(c);
                spend(budget, 1);
                i++;
            }
        }
        return out.toString();
    }

    private String expandCall(String forName, String inner, int depth, Budget budget) {
        int end = 0;
        while (end < inner.length() && isNameChar(inner.charAt(end))) {
            end++;
        }
        if (end == 0) {
            throw error(forName, "unsupported or malformed macro expression: \"${" + inner + "}\"");
        }
        String ref = inner.substring(0, end);
        spend(budget, 1);
        String valueOfRef = expand(ref, raw(ref), depth + 1, budget);
        if (end == inner.length()) {
            return valueOfRef;
        }
        char op = inner.charAt(end);
        String rest = inner.substring(end + 1);
        if (op == '?') {
            String[] branches = conditional(rest);
            String chosen = !valueOfRef.isEmpty() ? branches[0] : branches[1];
            return chosen == null ? "" : expand(forName, chosen, depth + 1, budget);
        }
        if (op == ':') {
            return valueOfRef.isEmpty() ? expand(forName, unbrace(rest), depth + 1, budget) : "";
        }
        throw error(forName, "unsupported or malformed macro expression: \"${" + inner + "}\"");
    }

    /** {@code text}, {@code {text}} or {@code {a}:{b}} after {@code ?}: the if-set and if-unset branches. */
    private static String[] conditional(String rest) {
        if (rest.startsWith("{")) {
            int close = matching(rest, 0);
            if (close > 0) {
                String tail = rest.substring(close + 1).strip();
                if (tail.startsWith(":")) {
                    return new String[] {rest.substring(1, close), unbrace(tail.substring(1).strip())};
                }
                if (tail.isEmpty()) {
                    return new String[] {rest.substring(1, close), null};
                }
            }
        }
        return new String[] {rest, null};
    }

    private static String unbrace(String s) {
        return s.startsWith("{") && matching(s, 0) == s.length() - 1 ? s.substring(1, s.length() - 1) : s;
    }

    private static int matching(String s, int open) {
        char o = s.charAt(open);
        char c = o == '{' ? '}' : ')';
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == o) {
                depth++;
            } else if (s.charAt(i) == c && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c < 128 && Character.isLetterOrDigit(c));
    }

    @Override
    public String toString() {
        return "Parameters[" + instanceName + ", " + assigned.size() + " assigned]";
    }
}
