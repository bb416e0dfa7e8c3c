package dev.mailrelay.bench;

/**
 * One cold start in a fresh JVM: {@code server}, {@code relay} or {@code greenmail}. Prints
 * {@code COLD <nanoseconds>} from the first line of main to the greeting read, then exits.
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
        System.out.println("COLD " + (t1 - t0));
        System.out.flush();
        started.close();
        System.exit(0);
    }
}
