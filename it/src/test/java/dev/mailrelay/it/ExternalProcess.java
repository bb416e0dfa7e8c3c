package dev.mailrelay.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One external program the tests drive (swaks, msmtp, python3, the standalone jar), with its
 * output collected line by line as it arrives. Every wait is bounded and event-driven: a reader
 * thread signals on every line and at end of stream, so a waiting test wakes at once. {@link #close()}
 * kills the process (and its children) if it is still running, so a test never leaves one behind.
 *
 * <pre>{@code
 * ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20), null, "swaks", "--server", ...);
 *
 * try (ExternalProcess p = ExternalProcess.start(null, "java", "-jar", jar, ...)) {
 *     String ready = p.awaitStdoutLine(l -> l.startsWith("READY "), Duration.ofSeconds(20));
 * }
 * }</pre>
 */
public final class ExternalProcess implements AutoCloseable {

    /** How a finished process ended and what it wrote. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** stdout then stderr, for assertions on what the tool printed wherever it printed it. */
        String output() {
            return stdout + stderr;
        }

        /** A description for assertion failures: the command, status and everything it wrote. */
        public String describe() {
            return "command " + command + " exited " + exitCode + "\n--- stdout ---\n" + stdout
                    + "--- stderr ---\n" + stderr;
        }
    }

    private final List<String> command;
    private final Process process;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<String> stdoutLines = new ArrayList<>();
    private final List<String> stderrLines = new ArrayList<>();
    private boolean stdoutOpen = true;
    private boolean stderrOpen = true;

    private ExternalProcess(List<String> command, Process process) {
        this.command = List.copyOf(command);
        this.process = process;
        pump(process.getInputStream(), stdoutLines, true);
        pump(process.getErrorStream(), stderrLines, false);
    }

    /** Starts {@code command} in {@code directory} (or the working directory when null). */
    static ExternalProcess start(Path directory, String... command) {
        return start(directory, List.of(command));
    }

    public static ExternalProcess start(Path directory, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        try {
            return new ExternalProcess(command, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code command} to completion: writes {@code stdin} (if not null) and closes it, then waits
     * at most {@code timeout} for the process to exit and its output to end.
     *
     * @throws AssertionError if it did not finish in time (it is killed first)
     */
    static Result run(Duration timeout, String stdin, String... command) {
        return run(timeout, stdin, List.of(command));
    }

    public static Result run(Duration timeout, String stdin, List<String> command) {
        try (ExternalProcess p = start(null, command)) {
            p.writeStdinAndClose(stdin);
            return p.awaitExit(timeout);
        }
    }

    /** Writes {@code text} (UTF-8) to the process's stdin and closes it; null just closes it. */
    void writeStdinAndClose(String text) {
        try (OutputStream in = process.getOutputStream()) {
            if (text != null) {
                in.write(text.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The process may exit (e.g. on a usage error) before reading its input; its status and
            // output then tell the story, so the failed write is not the failure to report.
        }
    }

    /**
     * Waits for the first stdout line (already printed or still to come) that matches.
     *
     * @throws AssertionError after {@code timeout}, or when stdout ends without such a line
     */
    String awaitStdoutLine(Predicate<String> condition, Duration timeout) {
        return awaitStdoutLines(condition, 1, timeout).get(0);
    }

    /** Waits for {@code count} stdout lines matching {@code condition} and returns them. */
    List<String> awaitStdoutLines(Predicate<String> condition, int count, Duration timeout) {
        return awaitLines(true, condition, count, timeout);
    }

    /** Waits for the first stderr line (already printed or still to come) that matches. */
    String awaitStderrLine(Predicate<String> condition, Duration timeout) {
        return awaitLines(false, condition, 1, timeout).get(0);
    }

    /** Whether the process is still running. */
    boolean alive() {
        return process.isAlive();
    }

    /** The process id. */
    long pid() {
        return process.pid();
    }

    private List<String> awaitLines(boolean stdout, Predicate<String> condition, int count, Duration timeout) {
        String stream = stdout ? "stdout" : "stderr";
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                List<String> matching = (stdout ? stdoutLines : stderrLines).stream().filter(condition).toList();
                if (matching.size() >= count) {
                    return matching;
                }
                if (!(stdout ? stdoutOpen : stderrOpen)) {
                    throw new AssertionError(stream + " of " + command + " ended with " + matching.size()
                            + " of " + count + " expected lines; " + snapshot());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("only " + matching.size() + " of " + count
                            + " expected " + stream + " lines from " + command + " within " + timeout + "; " + snapshot());
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + command, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits at most {@code timeout} for the process to exit and both output streams to end.
     *
     * @throws AssertionError if it did not (the process is killed before throwing)
     */
    Result awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(command + " did not exit within " + timeout + " (killed); " + snapshot());
            }
            lock.lock();
            try {
                while (stdoutOpen || stderrOpen) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        // A grandchild kept the pipe open; report what we have rather than hang.
                        break;
                    }
                    changed.await(left, TimeUnit.NANOSECONDS);
                }
                return new Result(command, process.exitValue(), join(stdoutLines), join(stderrLines));
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + command, e);
        }
    }

    /** Sends SIGTERM (on Unix) to the process. */
    void terminate() {
        process.destroy();
    }

    /**
     * Sends SIGTERM to the process and every descendant (a daemon's children that would outlive their
     * master and keep serving, or keep the output pipes open).
     */
    void terminateTree() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
    }

    /** Kills the process and its descendants if it is still running. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private void pump(InputStream stream, List<String> lines, boolean stdout) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lock.lock();
                    try {
                        lines.add(line);
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (IOException e) {
                // The stream closes when the process is killed; what was read is kept.
            } finally {
                lock.lock();
                try {
                    if (stdout) {
                        stdoutOpen = false;
                    } else {
                        stderrOpen = false;
                    }
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }, "it-" + (stdout ? "stdout" : "stderr") + "-" + command.get(0));
        t.setDaemon(true);
        t.start();
    }

    private String snapshot() {
        lock.lock();
        try {
            return "alive=" + process.isAlive() + "\n--- stdout so far ---\n" + join(stdoutLines)
                    + "--- stderr so far ---\n" + join(stderrLines);
        } finally {
            lock.unlock();
        }
    }

    private static String join(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }
}
