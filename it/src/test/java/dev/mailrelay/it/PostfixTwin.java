package dev.mailrelay.it;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A private Postfix 3.7 + Cyrus (sasldb) and a harness instance started with the same {@code main.cf}
 * parameters, the same {@code master.cf} services ({@code -o} overrides), the same users and the same
 * Cyrus {@code mech_list}: the two servers the differential tests ({@link PostfixFidelityTest},
 * {@link SmtpdDifferentialFuzzTest}) send every dialog to. Every delivery is discarded on both.
 *
 * <pre>{@code
 * try (PostfixTwin twin = PostfixTwin.start(dir, mainCf, Map.of("main", ""), Map.of("alice@example.com", "secret"),
 *         "PLAIN LOGIN")) {
 *     int real = twin.postfixPort("main");
 *     int ours = twin.harnessPort("main");
 * }
 * }</pre>
 */
final class PostfixTwin implements AutoCloseable {
    private final PrivatePostfix postfix;
    private final Harness harness;

    private PostfixTwin(PrivatePostfix postfix, Harness harness) {
        this.postfix = postfix;
        this.harness = harness;
    }

    /**
     * @param dir      a fresh private directory ({@code postfix/} and {@code harness/} below it)
     * @param mainCf   the parameters under test
     * @param services service label -> {@code -o} overrides, in {@code master.cf} order
     * @param users    {@code login@realm} -> password (sasldb for Postfix, {@code mailrelay_sasl_users} for the harness)
     * @param mechList Cyrus {@code mech_list}, the same in both {@code sasl/smtpd.conf}
     */
    static PostfixTwin start(Path dir, String mainCf, Map<String, String> services, Map<String, String> users,
                             String mechList) {
        PrivatePostfix postfix = PrivatePostfix.start(dir.resolve("postfix"), mainCf, services, users, mechList);
        try {
            Path home = dir.resolve("harness");
            Files.createDirectories(home.resolve("sasl"));
            Files.writeString(home.resolve("sasl/smtpd.conf"),
                    "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: " + mechList + "\n");
            StringBuilder master = new StringBuilder();
            services.forEach((label, overrides) ->
                    master.append(label).append(" inet n - n - - smtpd ").append(overrides).append('\n'));
            String table = users.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", ", "inline:{ ", " }"));
            Harness harness = Harness.start(List.of(InstanceConfig.named("twin").directory(home).mainCf(mainCf
                    + "\ndefault_transport = discard\nmailrelay_sasl_users = " + table + "\n")
                    .masterCf(master.toString())), true);
            return new PostfixTwin(postfix, harness);
        } catch (IOException | RuntimeException e) {
            postfix.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** The private Postfix's port of a service. */
    int postfixPort(String service) {
        return postfix.port(service);
    }

    /** The harness's port of a service. */
    int harnessPort(String service) {
        return harness.instance("twin").port(service);
    }

    /** Postfix's {@code mail_version}. */
    String postfixVersion() {
        return postfix.version();
    }

    @Override
    public void close() {
        try {
            harness.close();
        } finally {
            postfix.close();
        }
    }
}
