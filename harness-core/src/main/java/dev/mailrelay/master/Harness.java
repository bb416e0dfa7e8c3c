package dev.mailrelay.master;

import dev.mailrelay.dns.VirtualNetwork;
import dev.mailrelay.tls.HarnessCa;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of running instances in one JVM: what a test, the Maven plugin or the standalone runner
 * starts and stops as a whole.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#harness -->
 * <pre>{@code
 * try (Harness harness = Harness.start(List.of(
 *         InstanceConfig.named("isp").mainCf("smtpd_sasl_auth_enable = yes\n"
 *                 + "mailrelay_sasl_users = inline:{ alice=secret }")), true)) {
 *     int port = harness.instance("isp").port("smtp");
 *     TheApplication.send(port, "alice", "secret", "Hello");   // the application under test
 *     CapturedMessage m = harness.instance("isp").capture().awaitMessages(1, Duration.ofSeconds(10)).get(0);
 *     assertEquals("alice", m.saslUsername());
 * }
 * }</pre>
 */
public final class Harness implements AutoCloseable {

    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final VirtualNetwork network = new VirtualNetwork();

    private Harness() {
    }

    /**
     * Starts every instance; if one fails, those already started are stopped and the failure is thrown.
     *
     * @param ephemeralPorts bind ephemeral ports instead of the ports master.cf names
     */
    public static Harness start(List<InstanceConfig> configs, boolean ephemeralPorts) {
        Harness harness = new Harness();
        if (configs.stream().anyMatch(InstanceConfig::namesTlsParameter)) {
            // The CA and JSSE get ready on another core while the instances' other parts start.
            HarnessCa.prepare();
        }
        try {
            for (InstanceConfig config : configs) {
                if (harness.instances.containsKey(config.name())) {
                    throw new IllegalArgumentException("two instances are named " + config.name());
                }
                harness.instances.put(config.name(), Instance.start(config, ephemeralPorts, harness.network));
            }
        } catch (RuntimeException e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    /** The running instance with that name. */
    public Instance instance(String name) {
        Instance i = instances.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no instance named " + name + "; running: " + instances.keySet());
        }
        return i;
    }

    /** All instances in start order. */
    public List<Instance> instances() {
        return new ArrayList<>(instances.values());
    }

    /** Stops every instance. */
    @Override
    public void close() {
        for (Instance i : instances.values()) {
            i.close();
        }
    }
}
