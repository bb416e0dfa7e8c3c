package dev.mailrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private Postfix for the relay comparison: its own configuration directory, queue and data
 * directories in a temporary directory, one smtpd on a free loopback port, relaying everything to
 * the harness upstream with TLS (encrypt) and SASL, as the harness relay is configured. Started
 * with {@code postfix -c DIR start}, stopped with {@code postfix -c DIR stop}; it shares nothing
 * with a system Postfix (no master.cf line of its own is copied).
 */
final class PrivatePostfix implements AutoCloseable {

    /** Why a real Postfix could not be run here. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private final Path dir;
    private final int port;
    private final String version;

    private PrivatePostfix(Path dir, int port, String version) {
        this.dir = dir;
        this.port = port;
        this.version = version;
    }

    static PrivatePostfix start(int upstreamPort, String user, String password) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/postfix"))) {
            throw new Unavailable("/usr/sbin/postfix is not installed");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new Unavailable("postfix -c needs root to start its master (running as "
                    + System.getProperty("user.name") + ")");
        }
        Path dir = Files.createTempDirectory("mailrelay-bench-postfix");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        ExternalTool.Result chown = ExternalTool.run(List.of("chown", "postfix", data.toString()), Duration.ofSeconds(10));
        if (chown.exit() != 0) {
            throw new Unavailable("cannot chown the data directory to postfix: " + chown.output());
        }
        int port = Ports.free();
        Files.writeString(etc.resolve("sasl_passwd"), "[127.0.0.1]:" + upstreamPort + " " + user + ":" + password + "\n");
        Files.writeString(etc.resolve("main.cf"), """
                compatibility_level = 3.6
                queue_directory = %1$s/queue
                data_directory = %1$s/data
                mail_owner = postfix
                setgid_group = postdrop
                maillog_file = %1$s/maillog
                maillog_file_prefixes = %1$s
                syslog_name = postfix-mailrelay-bench
                inet_interfaces = 127.0.0.1
                inet_protocols = ipv4
                myhostname = postfix.bench.example
                mydestination =
                mynetworks = 127.0.0.0/8
                alias_maps =
                alias_database =
                smtpd_relay_restrictions = permit_mynetworks, reject
                relayhost = [127.0.0.1]:%2$d
                smtp_tls_security_level = encrypt
                smtp_sasl_auth_enable = yes
                smtp_sasl_tls_security_options = noanonymous
                smtp_sasl_password_maps = texthash:%1$s/etc/sasl_passwd
                """.formatted(dir, upstreamPort));
        Files.writeString(etc.resolve("master.cf"), """
                127.0.0.1:%d inet n - n - - smtpd
                cleanup   unix  n - n - 0 cleanup
                qmgr      unix  n - n 300 1 qmgr
                tlsmgr    unix  - - n 1000? 1 tlsmgr
                rewrite   unix  - - n - - trivial-rewrite
                bounce    unix  - - n - 0 bounce
                defer     unix  - - n - 0 bounce
                trace     unix  - - n - 0 bounce
                verify    unix  - - n - 1 verify
                flush     unix  n - n 1000? 0 flush
                proxymap  unix  - - n - - proxymap
                smtp      unix  - - n - - smtp
                relay     unix  - - n - - smtp
                showq     unix  n - n - - showq
                error     unix  - - n - - error
                retry     unix  - - n - - error
                discard   unix  - - n - - discard
                local     unix  - n n - - local
                anvil     unix  - - n - 1 anvil
                scache    unix  - - n - 1 scache
                postlog   unix-dgram n - n - 1 postlogd
                """.formatted(port));
        ExternalTool.Result started = ExternalTool.run(List.of("/usr/sbin/postfix", "-c", etc.toString(), "start"),
                Duration.ofSeconds(60));
        PrivatePostfix pf = new PrivatePostfix(dir, port, version(etc));
        if (started.exit() != 0) {
            pf.close();
            throw new Unavailable("postfix -c " + etc + " start exited " + started.exit() + ": " + started.output()
                    + " " + pf.log());
        }
        try {
            Ports.awaitListening(port, Duration.ofSeconds(30));
        } catch (IOException e) {
            pf.close();
            throw new Unavailable("the private Postfix did not listen: " + pf.log());
        }
        return pf;
    }

    private static String version(Path etc) throws InterruptedException {
        ExternalTool.Result r = ExternalTool.run(List.of("/usr/sbin/postconf", "-c", etc.toString(), "-h", "mail_version"),
                Duration.ofSeconds(10));
        return r.output().strip();
    }

    int port() {
        return port;
    }

    String version() {
        return version;
    }

    String log() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("maillog"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no maillog)";
        }
    }

    @Override
    public void close() throws Exception {
        ExternalTool.run(List.of("/usr/sbin/postfix", "-c", dir.resolve("etc").toString(), "stop"), Duration.ofSeconds(60));
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
