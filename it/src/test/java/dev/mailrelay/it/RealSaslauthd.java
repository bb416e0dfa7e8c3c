package dev.mailrelay.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real saslauthd ({@code sasl2-bin}) run by a test with {@code -a sasldb} against a private sasldb.
 * saslauthd's sasldb module always opens {@code /etc/sasldb2}, so it runs in its own mount namespace
 * ({@code unshare --mount}) where a private sasldb, made with {@code saslpasswd2 -f}, is bind-mounted
 * over {@code /etc/sasldb2}; the machine's file is not touched and nothing else sees the mount. Its
 * socket is {@code <dir>/mux}; it runs in the foreground ({@code -d}) and is ready when it logs
 * "listening on socket". It runs in its own session ({@code setsid}): on SIGTERM saslauthd signals its
 * whole process group, which would otherwise be the build's.
 *
 * <pre>{@code
 * try (RealSaslauthd saslauthd = RealSaslauthd.start(tempDir, Map.of("alice@example.com", "secret"))) {
 *     Path mux = saslauthd.socket();   // sasl/smtpd.conf: saslauthd_path: <mux>
 * }
 * }</pre>
 */
final class RealSaslauthd implements AutoCloseable {
    private final Path dir;
    private ExternalProcess process;

    private RealSaslauthd(Path dir) {
        this.dir = dir;
    }

    /** Creates the sasldb with {@code users} ({@code login@realm} -> password) and starts saslauthd. */
    static RealSaslauthd start(Path dir, Map<String, String> users) {
        String saslauthd = Tools.saslauthd();
        String saslpasswd2 = Tools.saslpasswd2();
        String unshare = Tools.unshare();
        Tools.requireRoot("saslauthd gets a private /etc/sasldb2 in its own mount namespace");
        if (!Files.exists(Path.of("/etc/sasldb2"))) {
            Tools.require("/etc/sasldb2", "sasl2-bin (its postinst creates /etc/sasldb2, the bind mount target)");
        }
        Path db = dir.resolve("sasldb2").toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        users.forEach((user, password) -> {
            int at = user.lastIndexOf('@');
            ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20), password + "\n",
                    saslpasswd2, "-p", "-c", "-f", db.toString(), "-u", user.substring(at + 1), user.substring(0, at));
            if (r.exitCode() != 0) {
                throw new AssertionError("saslpasswd2 failed: " + r.describe());
            }
        });
        RealSaslauthd s = new RealSaslauthd(dir);
        // setsid: saslauthd signals its whole process group when it exits, which must not be the build's.
        s.process = ExternalProcess.start(dir, Tools.require("/usr/bin/setsid", "util-linux"), unshare, "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /etc/sasldb2 && exec \"$1\" -a sasldb -m \"$2\" -n 0 -d",
                db.toString(), saslauthd, dir.toAbsolutePath().toString());
        try {
            s.process.awaitStderrLine(l -> l.contains("listening on socket"), Duration.ofSeconds(20));
        } catch (AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** saslauthd's socket ({@code saslauthd_path}). */
    Path socket() {
        return dir.resolve("mux").toAbsolutePath();
    }

    /** Stops saslauthd and waits until it exited. */
    void stop() {
        if (process != null) {
            process.terminateTree();
            process.awaitExit(Duration.ofSeconds(20));
            process = null;
        }
    }

    @Override
    public void close() {
        if (process != null) {
            try {
                stop();
            } finally {
                if (process != null) {
                    process.close();
                }
            }
        }
    }
}
