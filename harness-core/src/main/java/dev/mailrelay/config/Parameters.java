package dev.mailrelay.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
        return expand(name, raw(name), 0);
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
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "m": return Duration.ofMinutes(n);
            case "h": return Duration.ofHours(n);
            case "d": return Duration.ofDays(n);
            case "w": return Duration.ofDays(7 * n);
            default: return Duration.ofSeconds(n);
        }
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

    // Postfix's mac_expand(): $name, ${name}, $(name), ${name?text}, ${name:text},
    // ${name?{text}:{text}}, and $$ for a literal dollar.
    private String expand(String forName, String value, int depth) {
        if (value.indexOf('$') < 0) {
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
                i++;
                continue;
            }
            char n = value.charAt(i + 1);
            if (n == '$') {
                out.append('$');
                i += 2;
            } else if (n == '{' || n == '(') {
                int close = matching(value, i + 1);
                if (close < 0) {
                    throw error(forName, "missing '" + (n == '{' ? '}' : ')') + "' in \"" + value + "\"");
                }
                out.append(expandCall(forName, value.substring(i + 2, close), depth));
                i = close + 1;
            } else if (isNameChar(n)) {
                int end = i + 1;
                while (end < value.length() && isNameChar(value.charAt(end))) {
                    end++;
                }
                String ref = value.substring(i + 1, end);
                out.append(expand(ref, raw(ref), depth + 1));
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private String expandCall(String forName, String inner, int depth) {
        int end = 0;
        while (end < inner.length() && isNameChar(inner.charAt(end))) {
            end++;
        }
        if (end == 0) {
            throw error(forName, "unsupported or malformed macro expression: \"${" + inner + "}\"");
        }
        String ref = inner.substring(0, end);
        String valueOfRef = expand(ref, raw(ref), depth + 1);
        if (end == inner.length()) {
            return valueOfRef;
        }
        char op = inner.charAt(end);
        String rest = inner.substring(end + 1);
        if (op == '?') {
            String[] branches = conditional(rest);
            String chosen = !valueOfRef.isEmpty() ? branches[0] : branches[1];
            return chosen == null ? "" : expand(forName, chosen, depth + 1);
        }
        if (op == ':') {
            return valueOfRef.isEmpty() ? expand(forName, unbrace(rest), depth + 1) : "";
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
