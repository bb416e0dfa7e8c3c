package dev.mailrelay.xsasl;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Chooses and builds the SASL server implementation of an smtpd service from its parameters, as
 * Postfix's xsasl_server_init() does: {@code smtpd_sasl_type} names it. For {@code cyrus},
 * {@code smtpd_sasl_path} names the Cyrus application ({@code sasl/<path>.conf} in the instance
 * directory, where Debian keeps {@code /etc/postfix/sasl/smtpd.conf}), whose {@code pwcheck_method}
 * is {@code auxprop} (users from {@code mailrelay_sasl_users}) and/or {@code saslauthd} (a running
 * saslauthd at {@code saslauthd_path}, relative paths taken from the instance directory). For
 * {@code dovecot}, {@code smtpd_sasl_path} is the Dovecot auth socket ({@link DovecotServerImpl}).
 *
 * <pre>{@code
 * SaslServerImpl sasl = SaslServerImpls.forSmtpd(params, instanceDirectory);   // null: AUTH disabled
 * }</pre>
 */
public final class SaslServerImpls {

    /** What {@code postconf -a} lists. */
    public static final List<String> SERVER_TYPES = List.of("cyrus", "dovecot");

    /** Cyrus' default saslauthd socket on Debian. */
    public static final String DEFAULT_SASLAUTHD_PATH = "/var/run/saslauthd/mux";

    private SaslServerImpls() {
    }

    /**
     * The implementation for a service, or {@code null} when {@code smtpd_sasl_auth_enable = no}; the
     * type is checked either way, so a misspelled one fails every start.
     */
    public static SaslServerImpl forSmtpd(Parameters params, Path baseDirectory) {
        String type = params.get("smtpd_sasl_type");
        if (!SERVER_TYPES.contains(type)) {
            throw params.error("smtpd_sasl_type", "unsupported SASL server implementation: " + type
                    + " (mailrelay implements: " + String.join(", ", SERVER_TYPES) + ")");
        }
        if (!params.bool("smtpd_sasl_auth_enable")) {
            return null;
        }
        if (type.equals("dovecot")) {
            try {
                return DovecotServerImpl.create(params.get("smtpd_sasl_path"), baseDirectory,
                        params.get("smtpd_sasl_mechanism_filter"));
            } catch (ConfigException e) {
                throw params.relocate(e.parameter() != null ? e.parameter() : "smtpd_sasl_path", e);
            }
        }
        Path conf = baseDirectory.resolve("sasl").resolve(params.get("smtpd_sasl_path") + ".conf");
        List<String> mechList = null;
        SaslauthdClient saslauthd = null;
        boolean auxprop = true;
        if (Files.isRegularFile(conf)) {
            CyrusConfig cyrus = CyrusConfig.read(conf);
            String pwcheck = cyrus.pwcheckMethod();
            if (pwcheck != null) {
                List<String> methods = List.of(pwcheck.strip().split("[\\s,]+"));
                for (String m : methods) {
                    if (!m.equals("auxprop") && !m.equals("saslauthd")) {
                        throw new ConfigException(conf.toString(), 0, null, "pwcheck_method: " + m
                                + " is not supported by mailrelay (use auxprop, with users from "
                                + "mailrelay_sasl_users, or saslauthd)");
                    }
                }
                if (methods.contains("saslauthd")) {
                    String path = cyrus.saslauthdPath() == null ? DEFAULT_SASLAUTHD_PATH : cyrus.saslauthdPath();
                    saslauthd = new SaslauthdClient(baseDirectory.resolve(path));
                    auxprop = methods.contains("auxprop");
                }
            }
            mechList = cyrus.mechList();
        }
        LookupTable users = table(params, "mailrelay_sasl_users", baseDirectory)
                .orElseGet(() -> Tables.empty("(no mailrelay_sasl_users)"));
        LookupTable tokens = table(params, "mailrelay_sasl_oauth_tokens", baseDirectory).orElse(null);
        try {
            return new CyrusServerImpl(users, tokens, mechList, params.get("smtpd_sasl_mechanism_filter"),
                    saslauthd, auxprop);
        } catch (ConfigException e) {
            throw params.relocate("smtpd_sasl_mechanism_filter", e);
        }
    }

    /**
     * A warning when AUTH is offered but no password can ever match: the built-in Cyrus backend
     * with {@code pwcheck_method: auxprop} (the default) and an empty {@code mailrelay_sasl_users},
     * the role Cyrus' sasldb plays. Postfix says nothing and answers every AUTH with 535; a start
     * says so. Empty when AUTH is off, for Dovecot and saslauthd (their users live elsewhere), and
     * with OAuth tokens configured.
     */
    public static Optional<String> userSourceWarning(Parameters params, Path baseDirectory) {
        if (!params.bool("smtpd_sasl_auth_enable") || !params.get("smtpd_sasl_type").equals("cyrus")
                || !params.get("mailrelay_sasl_users").isBlank() || !params.get("mailrelay_sasl_oauth_tokens").isBlank()) {
            return Optional.empty();
        }
        Path conf = baseDirectory.resolve("sasl").resolve(params.get("smtpd_sasl_path") + ".conf");
        if (Files.isRegularFile(conf)) {
            String pwcheck = CyrusConfig.read(conf).pwcheckMethod();
            if (pwcheck != null && List.of(pwcheck.strip().split("[\\s,]+")).contains("saslauthd")) {
                return Optional.empty();
            }
        }
        return Optional.of("smtpd_sasl_auth_enable = yes with smtpd_sasl_type = cyrus and no users: "
                + "mailrelay_sasl_users (the role of Cyrus' sasldb) is empty and " + conf
                + (Files.isRegularFile(conf) ? " has no pwcheck_method: saslauthd" : " does not exist")
                + ", so every AUTH will fail (535 5.7.8)");
    }

    private static Optional<LookupTable> table(Parameters params, String name, Path baseDirectory) {
        String spec = params.get(name).strip();
        return spec.isEmpty() ? Optional.empty() : Optional.of(params.parsed(name, v -> Tables.open(v.strip(),
                baseDirectory)));
    }
}
