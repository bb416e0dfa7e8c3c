package dev.mailrelay.xsasl;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.LogicalLines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A Cyrus SASL application configuration file such as {@code smtpd.conf}: {@code key: value} lines,
 * {@code #} comments. Unknown keys are ignored, as Cyrus does.
 *
 * <pre>{@code
 * CyrusConfig conf = CyrusConfig.read(Path.of("/etc/postfix/sasl/smtpd.conf"));
 * new CyrusServerImpl(users, tokens, conf.mechList(), null);
 * }</pre>
 *
 * @param mechList       {@code mech_list} names, or {@code null} when not set (all mechanisms)
 * @param pwcheckMethod  {@code pwcheck_method}, or {@code null}
 * @param auxpropPlugin  {@code auxprop_plugin}, or {@code null}
 * @param saslauthdPath  {@code saslauthd_path}, or {@code null}
 * @param logLevel       {@code log_level}, or {@code null}
 */
public record CyrusConfig(List<String> mechList, String pwcheckMethod, String auxpropPlugin,
                          String saslauthdPath, String logLevel) {

    /** Reads and parses a file. */
    public static CyrusConfig read(Path file) {
        List<String> lines;
        try {
            lines = LogicalLines.decode(Files.readAllBytes(file)).lines().toList();
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, null, "cannot read: " + e.getMessage());
        }
        List<String> mechList = null;
        String pwcheck = null, auxprop = null, saslauthd = null, logLevel = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(file.toString(), i + 1, null, "expected \"key: value\"");
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "mech_list" -> mechList = Arrays.stream(value.split("[\\s,]+")).filter(s -> !s.isEmpty()).toList();
                case "pwcheck_method" -> pwcheck = value;
                case "auxprop_plugin" -> auxprop = value;
                case "saslauthd_path" -> saslauthd = value;
                case "log_level" -> logLevel = value;
                default -> { }
            }
        }
        return new CyrusConfig(mechList, pwcheck, auxprop, saslauthd, logLevel);
    }
}
