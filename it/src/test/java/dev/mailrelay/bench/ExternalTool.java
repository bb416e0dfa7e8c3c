package dev.mailrelay.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An external program of the benchmark (smtp-source, smtp-sink, postfix), killed on close if still running. */
final class ExternalTool implements AutoCloseable {

    record Result(int exit, String output) {
    }

    private final Process process;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Thread pump;

    private ExternalTool(Process process) {
        this.process = process;
        this.pump = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                in.transferTo(output);
            } catch (IOException e) {
                // killed: keep what was read
            }
        }, "bench-output");
        pump.setDaemon(true);
        pump.start();
    }

    static ExternalTool start(List<String> command) {
        try {
            return new ExternalTool(new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs to completion within {@code timeout} (else kills it and fails). */
    static Result run(List<String> command, Duration timeout) throws InterruptedException {
        try (ExternalTool t = start(command)) {
            if (!t.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(command + " did not finish within " + timeout);
            }
            t.pump.join(timeout.toMillis());
            return new Result(t.process.exitValue(), t.output.toString(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
