package dev.mailrelay.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real Dovecot auth service (Debian {@code dovecot-core}) run by a test: {@code dovecot -F -c
 * <private dovecot.conf>} with {@code base_dir} in a private directory, no mail protocols, passwd-file
 * users, the {@code auth-client} unix socket and an inet listener on a loopback port. Ready when the
 * master logs "starting up" (after it bound every listener); stopped by SIGTERM, waiting for the exit.
 *
 * <pre>{@code
 * try (RealDovecot dovecot = RealDovecot.start(tempDir, Map.of("alice@example.com", "secret"))) {
 *     String path = dovecot.authSocket().toString();   // smtpd_sasl_path
 *     int port = dovecot.inetPort();                   // smtpd_sasl_path = inet:127.0.0.1:<port>
 * }
 * }</pre>
 */
final class RealDovecot implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(20);

    private final Path dir;
    private final int inetPort;
    private ExternalProcess process;

    private RealDovecot(Path dir, int inetPort) {
        this.dir = dir;
        this.inetPort = inetPort;
    }

    /** Writes the configuration and the users (login -> plaintext password) into {@code dir} and starts. */
    static RealDovecot start(Path dir, Map<String, String> users) {
        String dovecot = Tools.dovecot();
        Tools.requireRoot("Dovecot's master runs its services as root here");
        int port = Tools.freeLoopbackPort();
        StringBuilder passwd = new StringBuilder();
        users.forEach((login, password) -> passwd.append(login).append(":{PLAIN}").append(password).append('\n'));
        try {
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("state"));
            Files.writeString(dir.resolve("users"), passwd.toString());
            Files.writeString(dir.resolve("dovecot.conf"), """
                    # A private auth-only Dovecot for mailrelay's tests: nothing but loopback and this directory.
                    base_dir = %1$s/run
                    state_dir = %1$s/state
                    instance_name = mailrelay-it-%2$d
                    log_path = /dev/stderr
                    protocols =
                    listen = 127.0.0.1
                    ssl = no
                    disable_plaintext_auth = no
                    auth_mechanisms = plain login cram-md5
                    auth_failure_delay = 0
                    default_internal_user = root
                    default_internal_group = root
                    default_login_user = root
                    passdb {
                      driver = passwd-file
                      args = scheme=PLAIN username_format=%%u %1$s/users
                    }
                    userdb {
                      driver = static
                      args = uid=root gid=root home=%1$s
                    }
                    service auth {
                      unix_listener auth-client {
                        mode = 0600
                      }
                      inet_listener {
                        address = 127.0.0.1
                        port = %2$d
                      }
                    }
                    """.formatted(dir.toAbsolutePath(), port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RealDovecot d = new RealDovecot(dir, port);
        d.launch(dovecot);
        return d;
    }

    private void launch(String dovecot) {
        process = ExternalProcess.start(dir, dovecot, "-F", "-c", dir.resolve("dovecot.conf").toAbsolutePath().toString());
        try {
            process.awaitStderrLine(l -> l.contains("starting up"), START);
        } catch (AssertionError e) {
            process.close();
            throw e;
        }
    }

    /** The {@code auth-client} socket. */
    Path authSocket() {
        return dir.resolve("run").resolve("auth-client").toAbsolutePath();
    }

    /** The loopback port of the auth inet listener. */
    int inetPort() {
        return inetPort;
    }

    /** Stops Dovecot (SIGTERM) and waits until it exited. */
    void stop() {
        if (process != null) {
            process.terminateTree();
            process.awaitExit(Duration.ofSeconds(20));
            process = null;
        }
    }

    /** Starts it again with the same configuration (after {@link #stop()}). */
    void restart() {
        launch(Tools.dovecot());
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
