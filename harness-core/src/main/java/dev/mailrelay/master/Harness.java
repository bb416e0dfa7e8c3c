package dev.mailrelay.master;

import dev.mailrelay.dns.VirtualNetwork;
import dev.mailrelay.tls.HarnessCa;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        Set<String> names = new HashSet<>();
        for (InstanceConfig config : configs) {
            if (!names.add(config.name())) {
                throw new IllegalArgumentException("two instances are named " + config.name());
            }
        }
        // Instances share only the virtual network (a concurrent map) while they start, so they start
        // side by side: a cold start is mostly class loading and first runs, which another core takes
        // on. The calling thread starts the first; the failure thrown is the first in configuration
        // order.
        List<Starting> others = new ArrayList<>();
        for (InstanceConfig config : configs.subList(Math.min(1, configs.size()), configs.size())) {
            others.add(new Starting(config, ephemeralPorts, harness.network).fork());
        }
        List<Starting> all = new ArrayList<>();
        if (!configs.isEmpty()) {
            Starting first = new Starting(configs.get(0), ephemeralPorts, harness.network);
            first.run();
            all.add(first);
        }
        all.addAll(others);
        Throwable failure = null;
        for (Starting s : all) {
            s.await();
            if (s.instance != null) {
                harness.instances.put(s.config.name(), s.instance);
            } else if (failure == null) {
                failure = s.failure;
            }
        }
        if (failure != null) {
            harness.close();
            if (failure instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) failure;
        }
        // Recovered mail is delivered once every instance is on the network, not while a peer starts.
        try {
            for (Instance i : harness.instances.values()) {
                i.recoverQueue();
            }
        } catch (RuntimeException e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    /** One instance starting: on a thread of its own, or on the caller's ({@link #run}). */
    private static final class Starting implements Runnable {
        final InstanceConfig config;
        private final boolean ephemeralPorts;
        private final VirtualNetwork network;
        private Thread thread;
        Instance instance;
        Throwable failure;

        Starting(InstanceConfig config, boolean ephemeralPorts, VirtualNetwork network) {
            this.config = config;
            this.ephemeralPorts = ephemeralPorts;
            this.network = network;
        }

        Starting fork() {
            thread = new Thread(this, "mailrelay-" + config.name() + "-start");
            thread.setDaemon(true);
            thread.start();
            return this;
        }

        @Override
        public void run() {
            try {
                instance = Instance.start(config, ephemeralPorts, network);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }

        /** Waits until the start has ended; an interrupt stops the wait, not the start. */
        void await() {
            boolean interrupted = false;
            while (thread != null) {
                try {
                    thread.join();
                    thread = null;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
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
        // Every listener first: their threads then end side by side while each instance stops.
        for (Instance i : instances.values()) {
            i.stopAccepting();
        }
        for (Instance i : instances.values()) {
            i.close();
        }
    }
}
