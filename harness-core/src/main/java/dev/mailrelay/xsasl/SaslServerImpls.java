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
 * Postfix's xsasl_server_init() does: {@code smtpd_sasl_type} names it, {@code smtpd_sasl_path} names
 * the Cyrus application ({@code sasl/<path>.conf} in the instance directory, where Debian keeps
 * {@code /etc/postfix/sasl/smtpd.conf}).
 *
 * <pre>{@code
 * SaslServerImpl sasl = SaslServerImpls.forSmtpd(params, instanceDirectory);   // null: AUTH disabled
 * }</pre>
 */
public final class SaslServerImpls {

    /** What {@code postconf -a} lists. */
    public static final List<String> SERVER_TYPES = List.of("cyrus");

    private SaslServerImpls() {
    }

    /** The implementation for a service, or {@code null} when {@code smtpd_sasl_auth_enable = no}. */
    public static SaslServerImpl forSmtpd(Parameters params, Path baseDirectory) {
        if (!params.bool("smtpd_sasl_auth_enable")) {
            return null;
        }
        String type = params.get("smtpd_sasl_type");
        if (!type.equals("cyrus")) {
            throw params.error("smtpd_sasl_type", "unsupported SASL server implementation: " + type
                    + " (mailrelay implements: " + String.join(", ", SERVER_TYPES) + ")");
        }
        Path conf = baseDirectory.resolve("sasl").resolve(params.get("smtpd_sasl_path") + ".conf");
        List<String> mechList = null;
        if (Files.isRegularFile(conf)) {
            CyrusConfig cyrus = CyrusConfig.read(conf);
            String pwcheck = cyrus.pwcheckMethod();
            if (pwcheck != null && !pwcheck.equals("auxprop")) {
                throw new ConfigException(conf.toString(), 0, null, "pwcheck_method: " + pwcheck
                        + " is not supported by mailrelay's built-in backend (use auxprop, with users from "
                        + "mailrelay_sasl_users)");
            }
            mechList = cyrus.mechList();
        }
        LookupTable users = table(params, "mailrelay_sasl_users", baseDirectory)
                .orElseGet(() -> Tables.empty("(no mailrelay_sasl_users)"));
        LookupTable tokens = table(params, "mailrelay_sasl_oauth_tokens", baseDirectory).orElse(null);
        try {
            return new CyrusServerImpl(users, tokens, mechList, params.get("smtpd_sasl_mechanism_filter"));
        } catch (ConfigException e) {
            throw params.error("smtpd_sasl_mechanism_filter", e.getMessage());
        }
    }

    private static Optional<LookupTable> table(Parameters params, String name, Path baseDirectory) {
        String spec = params.get(name).strip();
        if (spec.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Tables.open(spec, baseDirectory));
        } catch (ConfigException e) {
            throw params.error(name, e.getMessage());
        }
    }
}
