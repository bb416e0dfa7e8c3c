package dev.mailrelay.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What kind of value a parameter takes, declared next to its default in {@code Defaults}. When an
 * instance starts, {@link Parameters#check()} checks every implemented parameter's expanded value
 * against its kind, so a malformed value fails the start naming file, line and parameter, with
 * Postfix's wording where Postfix has one ({@code bad numerical configuration}, ...).
 *
 * <p>A kind whose vocabulary belongs to another package (restriction names, SASL security options,
 * TLS protocols, next hops, files) is {@linkplain #checkedWhereUsed() checked where it is used}: the
 * settings object of that component parses it when the instance starts (smtpd's SmtpdSettings, the
 * SMTP client, the queue manager, TLS), and the kind only says so. {@link #TEXT} has no malformed
 * value at all; the few parameters of that kind are listed by {@link Parameters#freeText()}.
 *
 * <pre>{@code
 * ParameterKind kind = Parameters.kind("smtpd_timeout");   // TIME
 * kind.malformedExample();                                 // Optional[3x]
 * }</pre>
 */
public final class ParameterKind {

    /** How a kind checks a parameter: throws a {@link ConfigException} naming it. */
    @FunctionalInterface
    interface Check {
        void check(Parameters params, String name);
    }

    /** {@code yes} or {@code no}. */
    public static final ParameterKind BOOL = new ParameterKind("boolean", "maybe", Parameters::bool);
    /** A non-negative integer (counts, sizes, limits). */
    public static final ParameterKind INT = new ParameterKind("integer", "ten", Parameters::longValue);
    /** A time: a number with an optional unit {@code s}, {@code m}, {@code h}, {@code d} or {@code w}. */
    public static final ParameterKind TIME = new ParameterKind("time", "3x", Parameters::time);
    /** An SMTP reply code for a reject or defer: 4xx or 5xx ({@code *_reject_code}, {@code *_defer_code}). */
    public static final ParameterKind REPLY_CODE = new ParameterKind("reply code", "five-five-four",
            Parameters::replyCode);
    /** A host name as Postfix's valid_hostname() accepts it ({@code myhostname}, {@code mydomain}). */
    public static final ParameterKind HOSTNAME = new ParameterKind("host name", "bad..name",
            (p, n) -> p.hostnames(n, false));
    /** A list of host names. */
    public static final ParameterKind HOSTNAME_LIST = new ParameterKind("host name list", "mail.example bad..name",
            (p, n) -> p.hostnames(n, true));
    /** {@code compatibility_level}: {@code major[.minor[.patch]]}. */
    public static final ParameterKind COMPATIBILITY_LEVEL = new ParameterKind("compatibility level", "three",
            (p, n) -> {
                if (MacroExpansion.compatibilityLevel(p.get(n)) < 0) {
                    throw p.error(n, "malformed compatibility level syntax: \"" + p.get(n) + "\"");
                }
            });
    /** Lookup tables, {@code type:name} each; the component that uses them opens them at start. */
    public static final ParameterKind TABLE_LIST = new ParameterKind("lookup tables", "no_type_here",
            Parameters::tableSyntax);
    /**
     * {@code smtp_tls_verify_cert_match}, {@code smtp_tls_secure_cert_match}: {@code hostname},
     * {@code nexthop}, {@code dot-nexthop}, or a domain the certificate name is matched against
     * literally ({@code .domain}: any name below it), as smtp(8) takes them.
     */
    public static final ParameterKind CERT_MATCH = new ParameterKind("certificate match strategies", "bad..name",
            (p, n) -> {
                for (String word : p.list(n)) {
                    String w = word.toLowerCase(Locale.ROOT);
                    if (!List.of("hostname", "nexthop", "dot-nexthop").contains(w)
                            && !Parameters.validHostname(w.startsWith(".") ? w.substring(1) : w)) {
                        throw p.error(n, "bad " + n + " value \"" + word + "\" in \"" + p.get(n)
                                + "\": specify hostname, nexthop, dot-nexthop or a domain name");
                    }
                }
            });
    /** {@code inet_interfaces}: {@code all}, {@code loopback-only} or addresses and host names. */
    public static final ParameterKind INTERFACES = new ParameterKind("interfaces", "bad..name",
            Parameters::interfaces);
    /**
     * {@code myorigin}: a domain, or, as Debian's Postfix reads it (built with MYORIGIN_FROM_FILE), a
     * value starting with {@code /} names a file whose first line is the domain.
     */
    public static final ParameterKind ORIGIN = new ParameterKind("domain or /file", "/nonexistent/mailname",
            (p, n) -> p.myorigin());
    /** Free text: any value is well-formed (a banner, a SASL realm, a lookup key). */
    public static final ParameterKind TEXT = new ParameterKind("text", null, (p, n) -> p.get(n));

    /** Domains and {@code type:table} lookups ({@code mydestination}); tables opened by their users. */
    public static final ParameterKind DOMAIN_LIST = whereUsed("domain list", "nosuchtype:table");
    /** Networks, {@code [addr]/len}, and {@code type:table} lookups ({@code mynetworks}). */
    public static final ParameterKind NETWORK_LIST = whereUsed("network list", "192.0.2.300/24");
    /** An smtpd restriction list. */
    public static final ParameterKind RESTRICTIONS = whereUsed("restriction list", "bogus_restriction");
    /** {@code *_sasl_security_options}: Cyrus' security options. */
    public static final ParameterKind SASL_SECURITY_OPTIONS = whereUsed("SASL security options",
            "noanonymous, bogus_option");
    /** {@code *_sasl_mechanism_filter}: mechanism names and {@code static:} entries. */
    public static final ParameterKind MECHANISM_FILTER = whereUsed("mechanism filter", "ldap:/etc/filter.cf");
    /** {@code smtpd_sasl_type}: a SASL server implementation. */
    public static final ParameterKind SASL_SERVER_TYPE = whereUsed("SASL server type", "bogus");
    /** A TLS security level ({@code none}, {@code may}, {@code encrypt}, ...). */
    public static final ParameterKind TLS_LEVEL = whereUsed("TLS level", "sometimes");
    /** A TLS protocol list ({@code >=TLSv1.2}, {@code !SSLv2, !SSLv3}). */
    public static final ParameterKind TLS_PROTOCOLS = whereUsed("TLS protocols", ">=TLSv9");
    /** An OpenSSL cipher grade ({@code medium}, {@code high}). */
    public static final ParameterKind TLS_CIPHERS = whereUsed("TLS cipher grade", "strongest");
    /** A certificate or key file (PEM). */
    public static final ParameterKind FILE = whereUsed("file", "no-such-file.pem");
    /** {@code transport[:nexthop]} naming a delivery agent mailrelay has. */
    public static final ParameterKind TRANSPORT = whereUsed("transport", "nosuchtransport");
    /** Next-hop destinations ({@code relayhost}): {@code host}, {@code [host]:port}. */
    public static final ParameterKind NEXTHOP = whereUsed("next hop", "[unclosed.example:587");

    private final String description;
    private final String malformed;
    private final Check check;

    private ParameterKind(String description, String malformed, Check check) {
        this.description = description;
        this.malformed = malformed;
        this.check = check;
    }

    private static ParameterKind whereUsed(String description, String malformed) {
        return new ParameterKind(description, malformed, null);
    }

    /** One word of a fixed set (case-insensitive), as name_code() reads it; {@code ""} may be among them. */
    static ParameterKind oneOf(String... words) {
        List<String> allowed = List.of(words);
        return new ParameterKind("one of " + String.join(", ", allowed), "bogus", (p, n) -> {
            String v = p.get(n).strip();
            if (!allowed.contains(v.toLowerCase(Locale.ROOT))) {
                throw p.error(n, "bad " + n + " value: \"" + v + "\"; specify one of: "
                        + String.join(", ", allowed.stream().filter(w -> !w.isEmpty()).toList()));
            }
        });
    }

    /** Words of a fixed set (case-insensitive), as name_mask() reads them. */
    static ParameterKind listOf(String... words) {
        List<String> allowed = List.of(words);
        return new ParameterKind("list of " + String.join(", ", allowed), "bogus", (p, n) -> {
            for (String word : p.list(n)) {
                if (!allowed.contains(word.toLowerCase(Locale.ROOT))) {
                    throw p.error(n, "unknown " + n + " value \"" + word + "\" in \"" + p.get(n) + "\"");
                }
            }
        });
    }

    /** What values the kind takes, for documentation. */
    public String description() {
        return description;
    }

    /** A value that is malformed for this kind; empty for {@link #TEXT}, which has none. */
    public Optional<String> malformedExample() {
        return Optional.ofNullable(malformed);
    }

    /** Whether the component that uses the value parses it when the instance starts, not this kind. */
    public boolean checkedWhereUsed() {
        return check == null;
    }

    void check(Parameters params, String name) {
        if (check != null) {
            check.check(params, name);
        } else {
            params.get(name);   // the expansion is checked all the same
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
