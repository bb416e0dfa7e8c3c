package dev.mailrelay.cleanup;

import dev.mailrelay.capture.CapturedMessage;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cleanup stage of one instance: it takes a finished message from smtpd and hands the queue
 * file on to what comes next (the capture, and the queue manager of a relay). Address rewriting
 * (canonical, virtual, myorigin) belongs here as in cleanup(8).
 *
 * <pre>{@code
 * Cleanup cleanup = new Cleanup(List.of(capture::record));
 * cleanup.enqueue(message);
 * }</pre>
 */
public final class Cleanup {

    private final List<Consumer<CapturedMessage>> next;

    /** @param next the stages the queued message goes to, in order */
    public Cleanup(List<Consumer<CapturedMessage>> next) {
        this.next = List.copyOf(next);
    }

    /** Queues a message: from here on it is the instance's responsibility and is never lost. */
    public void enqueue(CapturedMessage message) {
        for (Consumer<CapturedMessage> stage : next) {
            stage.accept(message);
        }
    }
}
