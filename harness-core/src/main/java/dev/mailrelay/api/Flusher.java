package dev.mailrelay.api;

import dev.mailrelay.master.Instance;

/**
 * What {@code POST /api/instances/{name}/flush} does to an instance: attempt delivery of everything
 * in its queue now, as {@code postqueue -f} does. Whoever starts the {@link ApiServer} supplies it.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#flusher -->
 * <pre>{@code
 * ApiServer api = ApiServer.start(harness, instance -> instance.flush(), 0);
 * }</pre>
 */
@FunctionalInterface
public interface Flusher {

    /** Asks the instance to deliver its queued mail now. */
    void flush(Instance instance);
}
