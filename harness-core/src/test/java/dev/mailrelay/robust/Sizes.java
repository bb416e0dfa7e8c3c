package dev.mailrelay.robust;

/** Sizes of the robustness tests: short in the normal build, long with {@code mvn -Plong}. */
final class Sizes {

    /** Whether {@code -Plong} is active (system property {@code mailrelay.long=true}). */
    static final boolean LONG = Boolean.getBoolean("mailrelay.long");

    private Sizes() {
    }

    static int pick(int normal, int longRun) {
        return LONG ? longRun : normal;
    }
}
