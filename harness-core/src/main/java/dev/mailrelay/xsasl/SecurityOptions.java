package dev.mailrelay.xsasl;

import dev.mailrelay.config.ConfigException;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A parsed {@code smtpd_sasl_security_options} / {@code smtp_sasl_security_options} value. As in Cyrus'
 * {@code mech_permitted()}, every requested option requires the mechanism to carry the matching flag:
 * {@code noanonymous} rules out ANONYMOUS, {@code noplaintext} rules out PLAIN and LOGIN, and so on.
 *
 * <pre>{@code
 * SecurityOptions options = SecurityOptions.parse("noanonymous, noplaintext");
 * options.permits(mechanism.flags());   // false for PLAIN
 * }</pre>
 */
public final class SecurityOptions {

    /** Postfix's {@code smtpd_sasl_security_options} default. */
    public static final String SERVER_DEFAULT = "noanonymous";
    /** Postfix's {@code smtp_sasl_security_options} default. */
    public static final String CLIENT_DEFAULT = "noplaintext, noanonymous";

    // Postfix's xsasl_cyrus_sec_mask; names are matched case-sensitively (name_mask without ANY_CASE).
    private static final Map<String, SecurityFlag> WORDS = Map.of(
            "noplaintext", SecurityFlag.NOPLAINTEXT,
            "noactive", SecurityFlag.NOACTIVE,
            "nodictionary", SecurityFlag.NODICTIONARY,
            "forward_secrecy", SecurityFlag.FORWARD_SECRECY,
            "noanonymous", SecurityFlag.NOANONYMOUS,
            "mutual_auth", SecurityFlag.MUTUAL_AUTH);

    private final Set<SecurityFlag> required;

    private SecurityOptions(Set<SecurityFlag> required) {
        this.required = Collections.unmodifiableSet(required);
    }

    /**
     * Parses a comma/whitespace separated option list; {@code null} or blank means no requirement.
     *
     * @throws ConfigException naming an unknown word, in Postfix's name_mask wording
     */
    public static SecurityOptions parse(String value) {
        EnumSet<SecurityFlag> flags = EnumSet.noneOf(SecurityFlag.class);
        if (value != null) {
            for (String word : value.split("[,\\s]+")) {
                if (word.isEmpty()) {
                    continue;
                }
                SecurityFlag flag = WORDS.get(word);
                if (flag == null) {
                    throw new ConfigException("unknown SASL security options value \"" + word
                            + "\" in \"" + value + "\"");
                }
                flags.add(flag);
            }
        }
        return new SecurityOptions(flags);
    }

    /** The flags a mechanism must carry. */
    public Set<SecurityFlag> required() {
        return required;
    }

    /** Whether a mechanism with these flags satisfies every requested option. */
    public boolean permits(Set<SecurityFlag> mechanismFlags) {
        return mechanismFlags.containsAll(required);
    }

    @Override
    public String toString() {
        return "SecurityOptions" + required;
    }
}
