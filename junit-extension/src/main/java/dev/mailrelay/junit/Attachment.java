package dev.mailrelay.junit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What one class or method context uses, as kept in its {@link ExtensionContext.Store}: the harness
 * (its own, an enclosing class's, or a shared one; {@code null} for a class whose harnesses are per
 * method) and the system properties it exported. Closing it, when JUnit closes that context, restores
 * the properties and stops the harness only if this context started it.
 */
final class Attachment implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private final String context;
    private final RunningHarness running;
    private final boolean owns;
    private final Map<String, String> replacedProperties = new LinkedHashMap<>();
    private boolean closed;

    Attachment(String context, RunningHarness running, boolean owns) {
        this.context = context;
        this.running = running;
        this.owns = owns;
    }

    /** Whether the context with this unique ID made this attachment (and not an enclosing one). */
    boolean madeBy(String uniqueId) {
        return context.equals(uniqueId);
    }

    RunningHarness running() {
        return running;
    }

    /** Whether this context started the harness, which then stops with it. */
    boolean owns() {
        return owns;
    }

    /** Sets the harness's properties until this attachment closes, remembering the previous values. */
    void exportSystemProperties() {
        running.relay().properties().forEach((k, v) -> replacedProperties.putIfAbsent(k, System.setProperty(k, v)));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            replacedProperties.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        } finally {
            if (owns) {
                running.close();
            }
        }
    }

    @Override
    public String toString() {
        return "Attachment[" + context + (owns ? ", owns " : ", uses ") + running + "]";
    }
}
