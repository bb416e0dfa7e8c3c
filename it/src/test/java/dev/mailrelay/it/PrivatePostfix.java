package dev.mailrelay.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real, private Postfix 3.7 (Debian {@code postfix}) run by a test: {@code postfix -c <dir>/conf
 * start} with its own {@code main.cf}/{@code master.cf}, {@code queue_directory}, {@code data_directory}
 * and {@code maillog_file} in a private directory, {@code inet_interfaces = 127.0.0.1}, one smtpd per
 * service on a free loopback port, Cyrus SASL from a private sasldb ({@code saslpasswd2 -f},
 * {@code sasldb_path} in {@code sasl/smtpd.conf} via {@code cyrus_sasl_config_path}), and every
 * delivery discarded. The machine's own Postfix ({@code /etc/postfix}) is neither used nor touched.
 * {@code postfix start} returns once the master initialized its listeners ({@code master -w}).
 *
 * <pre>{@code
 * try (PrivatePostfix pf = PrivatePostfix.start(dir, mainCf, Map.of("main", ""), Map.of("alice@example.com", "secret"), mechList)) {
 *     int port = pf.port("main");
 * }
 * }</pre>
 */
public final class PrivatePostfix implements AutoCloseable {
    private final Path dir;
    private final Map<String, Integer> ports;
    private final String postfix;
    private boolean running;

    private PrivatePostfix(Path dir, Map<String, Integer> ports, String postfix) {
        this.dir = dir;
        this.ports = ports;
        this.postfix = postfix;
    }

    /**
     * @param dir      a fresh private directory
     * @param mainCf   the parameters under test, written after the plumbing (so they override it)
     * @param services service label -> {@code -o} overrides (e.g. {@code "-o mynetworks=10.0.0.0/8"})
     * @param users    sasldb users, {@code login@realm} -> password
     * @param mechList Cyrus {@code mech_list}
     */
    public static PrivatePostfix start(Path dir, String mainCf, Map<String, String> services, Map<String, String> users,
                                       String mechList) {
        return start(dir, mainCf, services, users, mechList, "");
    }

    /**
     * As {@link #start(Path, String, Map, Map, String)}, with {@code mainCf} free to override the
     * plumbing (e.g. {@code default_transport = smtp} for a Postfix that relays) and
     * {@code extraMasterCf} appended to {@code master.cf} (e.g. an smtp client with {@code -o} overrides).
     */
    static PrivatePostfix start(Path dir, String mainCf, Map<String, String> services, Map<String, String> users,
                                String mechList, String extraMasterCf) {
        String postfix = Tools.postfix();
        String saslpasswd2 = Tools.saslpasswd2();
        Tools.requireRoot("Postfix's master runs as root and its daemons as the postfix user");
        Path conf = dir.resolve("conf");
        Path db = dir.resolve("sasldb2");
        Map<String, Integer> ports = new LinkedHashMap<>();
        try {
            Files.createDirectories(conf.resolve("sasl"));
            Files.createDirectories(dir.resolve("queue"));
            Files.createDirectories(dir.resolve("data"));
            // The postfix user must reach the queue and read the sasldb: open the private tree to it.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            users.forEach((user, password) -> {
                int at = user.lastIndexOf('@');
                ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20), password + "\n",
                        saslpasswd2, "-p", "-c", "-f", db.toString(), "-u", user.substring(at + 1), user.substring(0, at));
                if (r.exitCode() != 0) {
                    throw new AssertionError("saslpasswd2 failed: " + r.describe());
                }
            });
            if (!users.isEmpty()) {
                run("chown", "root:postfix", db.toString());
                run("chmod", "640", db.toString());
            }
            run("chown", "postfix", dir.resolve("data").toString());
            Files.writeString(conf.resolve("sasl/smtpd.conf"), """
                    pwcheck_method: auxprop
                    auxprop_plugin: sasldb
                    sasldb_path: %s
                    mech_list: %s
                    """.formatted(db, mechList));
            // The plumbing first: Postfix takes the last of repeated parameters, so mainCf may override it.
            Files.writeString(conf.resolve("main.cf"), """
                    # plumbing of the private instance
                    compatibility_level = 3.6
                    queue_directory = %1$s/queue
                    data_directory = %1$s/data
                    meta_directory = /etc/postfix
                    maillog_file = %1$s/maillog
                    maillog_file_prefixes = %1$s
                    cyrus_sasl_config_path = %1$s/conf/sasl
                    smtpd_sasl_path = smtpd
                    inet_interfaces = 127.0.0.1
                    inet_protocols = ipv4
                    alias_maps =
                    alias_database =
                    local_recipient_maps =
                    biff = no
                    default_transport = discard
                    relay_transport = discard
                    local_transport = discard

                    # the parameters under test
                    """.formatted(dir.toAbsolutePath()) + mainCf);
            StringBuilder master = new StringBuilder();
            services.forEach((label, overrides) -> {
                int port = Tools.freeLoopbackPort();
                ports.put(label, port);
                master.append("127.0.0.1:").append(port).append(" inet n - n - - smtpd ").append(overrides).append('\n');
            });
            master.append("""
                    pickup    unix  n       -       n       60      1       pickup
                    cleanup   unix  n       -       n       -       0       cleanup
                    qmgr      unix  n       -       n       300     1       qmgr
                    rewrite   unix  -       -       n       -       -       trivial-rewrite
                    bounce    unix  -       -       n       -       0       bounce
                    defer     unix  -       -       n       -       0       bounce
                    trace     unix  -       -       n       -       0       bounce
                    verify    unix  -       -       n       -       1       verify
                    flush     unix  n       -       n       1000?   0       flush
                    proxymap  unix  -       -       n       -       -       proxymap
                    smtp      unix  -       -       n       -       -       smtp
                    relay     unix  -       -       n       -       -       smtp
                    showq     unix  n       -       n       -       -       showq
                    error     unix  -       -       n       -       -       error
                    retry     unix  -       -       n       -       -       error
                    discard   unix  -       -       n       -       -       discard
                    local     unix  -       n       n       -       -       local
                    anvil     unix  -       -       n       -       1       anvil
                    scache    unix  -       -       n       -       1       scache
                    postlog   unix-dgram n  -       n       -       1       postlogd
                    tlsmgr    unix  -       -       n       1000?   1       tlsmgr
                    """).append(extraMasterCf);
            Files.writeString(conf.resolve("master.cf"), master.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivatePostfix pf = new PrivatePostfix(dir, ports, postfix);
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(60), null, postfix, "-c", conf.toString(), "start");
        if (r.exitCode() != 0) {
            throw new AssertionError("private Postfix did not start: " + r.describe() + "\n--- maillog ---\n" + pf.maillog());
        }
        pf.running = true;
        return pf;
    }

    private static void run(String... command) {
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20), null, command);
        if (r.exitCode() != 0) {
            throw new AssertionError(r.describe());
        }
    }

    /** The loopback port of a service. */
    public int port(String label) {
        return ports.get(label);
    }

    /** The Postfix version ({@code mail_version}). */
    public String version() {
        return ExternalProcess.run(Duration.ofSeconds(20), null, "/usr/sbin/postconf", "-c",
                dir.resolve("conf").toString(), "-h", "mail_version").stdout().strip();
    }

    /** What the instance logged so far. */
    String maillog() {
        try {
            Path log = dir.resolve("maillog");
            return Files.exists(log) ? Files.readString(log) : "(no maillog)";
        } catch (IOException e) {
            return "(unreadable maillog: " + e + ")";
        }
    }

    /** The private directory (the maillog, the queue, and any files a test puts there). */
    Path dir() {
        return dir;
    }

    /**
     * Waits for the first maillog line matching {@code condition}: reads the log, and between reads
     * waits for the directory to report a change (inotify), bounded by {@code timeout}.
     *
     * @throws AssertionError after {@code timeout}, with the log so far
     */
    String awaitMaillog(Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path log = dir.resolve("maillog");
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                if (Files.exists(log)) {
                    for (String line : Files.readAllLines(log)) {
                        if (condition.test(line)) {
                            return line;
                        }
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such maillog line within " + timeout + "\n--- maillog ---\n" + maillog());
                }
                WatchKey key = watch.poll(left, TimeUnit.NANOSECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for the maillog", e);
        }
    }

    /**
     * A self-signed certificate and its key ({@code openssl req -x509}) for {@code commonName}, as
     * {@code cert.pem} and {@code key.pem} in {@code dir}; the key is readable by root only (Postfix's
     * smtpd reads it before it drops privileges).
     */
    static Path[] selfSignedCertificate(Path dir, String commonName) {
        String openssl = Tools.require("openssl", "openssl");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(60), null, openssl, "req", "-x509",
                "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + commonName,
                "-addext", "subjectAltName=DNS:" + commonName, "-keyout", key.toString(), "-out", cert.toString());
        if (r.exitCode() != 0) {
            throw new AssertionError("openssl req failed: " + r.describe());
        }
        run("chmod", "600", key.toString());
        run("chmod", "644", cert.toString());
        return new Path[] {cert, key};
    }

    /** {@code postfix stop}, then waits until the master process exited. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        Long pid = null;
        try {
            pid = Long.parseLong(Files.readString(dir.resolve("queue/pid/master.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            // no pid file: nothing to wait for
        }
        ExternalProcess.run(Duration.ofSeconds(60), null, postfix, "-c", dir.resolve("conf").toString(), "stop");
        if (pid != null) {
            ProcessHandle.of(pid).ifPresent(h -> {
                try {
                    h.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        }
    }
}
