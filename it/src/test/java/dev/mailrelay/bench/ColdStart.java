package dev.mailrelay.bench;

import java.lang.management.ManagementFactory;

/**
 * One cold start in a fresh JVM: {@code server}, {@code relay} or {@code greenmail}. Prints
 * {@code COLD <nanoseconds> <cpu nanoseconds> <classes>}: the wall time from the first line of main
 * to the greeting read, the CPU time the whole process had used by then (JVM boot, JIT and GC threads
 * included), and the classes loaded by then (the JVM's own and this measurement's included): two
 * figures that other load on the machine moves much less than the wall time.
 */
public final class ColdStart {

    private ColdStart() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        AutoCloseable started = switch (args[0]) {
            case "server" -> Topologies.startServer();
            case "relay" -> Topologies.startRelay();
            case "greenmail" -> {
                var g = Topologies.startGreenMail();
                yield g::stop;
            }
            default -> throw new IllegalArgumentException(args[0]);
        };
        long t1 = System.nanoTime();
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        System.out.println("COLD " + (t1 - t0) + " " + cpu + " " + classes);
        System.out.flush();
        started.close();
        System.exit(0);
    }
}
