package dev.mailrelay.junit;

import dev.mailrelay.master.InstanceDirectory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The programmatic form of {@link SaslInstance}, for {@link SaslRelayExtension#builder()}: one
 * instance configured with Postfix parameters. Each method has the name of the annotation's attribute
 * (singular where it adds one element: {@code user}, {@code table}) and adds to the configuration;
 * nothing runs until the extension starts the harness.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/InstanceSpecExampleTest.java#spec -->
 * <pre>{@code
 * InstanceSpec isp = InstanceSpec.named("isp")
 *     .myhostname("mail.isp.example")
 *     .user("relay-user", "s3cret")
 *     .mechanisms("PLAIN", "LOGIN")
 *     .mainCf("smtpd_relay_restrictions = permit_sasl_authenticated, reject")
 *     .masterCf("submission inet n - n - - smtpd");
 * }</pre>
 */
public final class InstanceSpec {

    private final String name;
    private String myhostname;
    private final List<String> hostnames = new ArrayList<>();
    private final List<String> mechanisms = new ArrayList<>();
    private final Map<String, String> users = new LinkedHashMap<>();
    private String tls;
    private String relayhost;
    private final List<String> mainCf = new ArrayList<>();
    private final List<String> masterCf = new ArrayList<>();
    private final Map<String, String> tables = new LinkedHashMap<>();

    private InstanceSpec(String name) {
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("bad instance name: " + name);
        }
        this.name = name;
    }

    /** A new instance called {@code name}. */
    public static InstanceSpec named(String name) {
        return new InstanceSpec(name);
    }

    static InstanceSpec of(SaslInstance a) {
        InstanceSpec s = named(a.name());
        if (!a.myhostname().isEmpty()) {
            s.myhostname(a.myhostname());
        }
        s.hostnames(a.hostnames());
        s.mechanisms(a.mechanisms());
        for (String u : a.users()) {
            int eq = u.indexOf('=');
            if (eq < 0) {
                s.user(u.strip());
            } else {
                s.user(u.substring(0, eq).strip(), u.substring(eq + 1).strip());
            }
        }
        if (!a.tls().isEmpty()) {
            s.tls(a.tls());
        }
        if (!a.relayhost().isEmpty()) {
            s.relayhost(a.relayhost());
        }
        s.mainCf(String.join("\n", a.mainCf()));
        for (String service : a.masterCf()) {
            s.masterCf(service);
        }
        for (SaslInstance.Table t : a.tables()) {
            s.table(t.name(), t.lines());
        }
        return s;
    }

    /** {@code myhostname}, which the virtual network resolves to this instance. */
    public InstanceSpec myhostname(String hostname) {
        this.myhostname = Objects.requireNonNull(hostname);
        return this;
    }

    /** Extra virtual-network names ({@code mailrelay_hostnames}). */
    public InstanceSpec hostnames(String... names) {
        hostnames.addAll(Arrays.asList(names));
        return this;
    }

    /** {@code mech_list} of {@code sasl/<smtpd_sasl_path>.conf}, in the order EHLO lists them. */
    public InstanceSpec mechanisms(String... names) {
        mechanisms.addAll(Arrays.asList(names));
        return this;
    }

    /**
     * A SASL user with this password, in {@code mailrelay_sasl_users}; enables
     * {@code smtpd_sasl_auth_enable} unless it is set. A malformed login or password fails the start.
     */
    public InstanceSpec user(String login, String password) {
        users.put(Objects.requireNonNull(login, "login"), Objects.requireNonNull(password, "password"));
        return this;
    }

    /** A SASL user whose password is generated each time a harness starts. */
    public InstanceSpec user(String login) {
        users.put(Objects.requireNonNull(login, "login"), null);
        return this;
    }

    /** {@code smtpd_tls_security_level}: {@code may} offers STARTTLS, {@code encrypt} requires it. */
    public InstanceSpec tls(String securityLevel) {
        this.tls = Objects.requireNonNull(securityLevel);
        return this;
    }

    /** {@code relayhost}, e.g. {@code [mail.isp.example]:submission}. */
    public InstanceSpec relayhost(String destination) {
        this.relayhost = Objects.requireNonNull(destination);
        return this;
    }

    /** {@code main.cf} lines, after everything else (later lines win). */
    public InstanceSpec mainCf(String text) {
        if (!text.isBlank()) {
            mainCf.add(text);
        }
        return this;
    }

    /** One {@code master.cf} service (may span lines); without any, Postfix's {@code smtp} service. */
    public InstanceSpec masterCf(String service) {
        if (!service.isBlank()) {
            masterCf.add(service);
        }
        return this;
    }

    /**
     * A table file in the instance directory, e.g. {@code texthash:sasl_passwd}: its lines (one
     * string may hold several, separated by newlines), as {@link SaslInstance.Table} gives them.
     */
    public InstanceSpec table(String name, String... lines) {
        String content = String.join("\n", lines);
        tables.put(Objects.requireNonNull(name, "name"), content.endsWith("\n") ? content : content + "\n");
        return this;
    }

    public String name() {
        return name;
    }

    /**
     * This instance in the core's terms, the same the Maven plugin's configuration turns into: the
     * shortcuts first, then the {@code main.cf} lines (a later line wins); users without a password
     * get a fresh one on each call.
     */
    InstanceDirectory toDirectory() {
        InstanceDirectory d = InstanceDirectory.named(name);
        if (myhostname != null) {
            d.parameter("myhostname", myhostname);
        }
        if (!hostnames.isEmpty()) {
            d.parameter("mailrelay_hostnames", String.join(", ", hostnames));
        }
        if (tls != null) {
            d.parameter("smtpd_tls_security_level", tls);
        }
        if (relayhost != null) {
            d.parameter("relayhost", relayhost);
        }
        mainCf.forEach(text -> d.mainCf(text.stripIndent().strip() + "\n"));
        users.forEach((login, password) -> {
            if (password != null) {
                d.user(login, password);
            } else {
                d.user(login);
            }
        });
        tables.forEach(d::file);
        d.mechanisms(mechanisms);
        if (!masterCf.isEmpty()) {
            d.masterCf(String.join("\n", masterCf) + "\n");
        }
        return d;
    }

    /**
     * Applies {@code other}'s settings over this instance's (the default topology's instance of the
     * same name): {@code myhostname}, {@code tls} and {@code relayhost} replace, host names,
     * mechanisms and users are added (a login given again gets the new password), {@code main.cf}
     * lines come after (so they win), a service replaces the one of the same name and type, a table
     * replaces the file of the same name.
     */
    InstanceSpec adjust(InstanceSpec other) {
        if (other.myhostname != null) {
            myhostname = other.myhostname;
        }
        hostnames.addAll(other.hostnames);
        mechanisms.addAll(other.mechanisms);
        users.putAll(other.users);
        if (other.tls != null) {
            tls = other.tls;
        }
        if (other.relayhost != null) {
            relayhost = other.relayhost;
        }
        mainCf.addAll(other.mainCf);
        for (String service : other.masterCf) {
            masterCf.removeIf(s -> serviceKey(s).equals(serviceKey(service)));
            masterCf.add(service);
        }
        tables.putAll(other.tables);
        return this;
    }

    /** A master.cf entry's identity: its service name and type ({@code smtp inet}). */
    private static List<String> serviceKey(String service) {
        String[] fields = service.strip().split("\\s+", 3);
        return Arrays.asList(fields).subList(0, Math.min(2, fields.length));
    }

    /** A deep copy, so that a started harness never sees later builder calls. */
    InstanceSpec copy() {
        InstanceSpec c = named(name);
        c.myhostname = myhostname;
        c.hostnames.addAll(hostnames);
        c.mechanisms.addAll(mechanisms);
        c.users.putAll(users);
        c.tls = tls;
        c.relayhost = relayhost;
        c.mainCf.addAll(mainCf);
        c.masterCf.addAll(masterCf);
        c.tables.putAll(tables);
        return c;
    }

    /** Every setting, in a list that equals another spec's when they describe the same instance. */
    List<Object> settings() {
        return Arrays.asList(name, myhostname, hostnames, mechanisms, users, tls, relayhost, mainCf, masterCf, tables);
    }

    @Override
    public String toString() {
        return "InstanceSpec[" + name + (myhostname == null ? "" : " " + myhostname) + ", users=" + users.keySet() + "]";
    }
}
