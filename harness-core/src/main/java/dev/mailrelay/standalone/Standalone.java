package dev.mailrelay.standalone;

import dev.mailrelay.api.ApiServer;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The standalone runner: {@code java -jar mailrelay-standalone.jar --config DIR [--ephemeral-ports]
 * [--spool DIR] [--api-port N]}. DIR holds a {@code main.cf} (one instance, named after DIR) or
 * subdirectories that do (one instance each). When every listener is up it prints {@code READY
 * <instance> <service> <host>:<port>} per listener, then {@code READY api http://<host>:<port>/} for the
 * HTTP control API ({@link ApiServer}), and runs until SIGTERM or SIGINT. Bad configuration: a message naming
 * file, line and parameter, and exit status 2. {@code --demo} runs {@link Demo} instead;
 * {@code postconf ...} and {@code postmap ...} answer as Postfix's commands do ({@link PostfixTools}).
 */
public final class Standalone {

    private Standalone() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status >= 0) {
            System.exit(status);
        }
    }

    /** Runs until stopped; returns the exit status, or -1 after a clean stop by signal. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("postconf")) {
            return PostfixTools.postconf(PostfixTools.tail(args), out, err);
        }
        if (args.length > 0 && args[0].equals("postmap")) {
            return PostfixTools.postmap(PostfixTools.tail(args), out, err);
        }
        Path config = null;
        Path spool = null;
        boolean ephemeral = false;
        int apiPort = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--spool" -> spool = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--ephemeral-ports" -> ephemeral = true;
                case "--api-port" -> {
                    try {
                        apiPort = i + 1 < args.length ? Integer.parseInt(args[++i]) : -1;
                    } catch (NumberFormatException e) {
                        apiPort = -1;
                    }
                    if (apiPort < 0 || apiPort > 65535) {
                        err.println("mailrelay: --api-port needs a port number");
                        return usage(err);
                    }
                }
                case "--demo" -> {
                    return Demo.run(out);
                }
                default -> {
                    err.println("mailrelay: unknown argument: " + args[i]);
                    return usage(err);
                }
            }
        }
        if (config == null) {
            return usage(err);
        }
        Harness harness;
        try {
            harness = Harness.start(InstanceConfig.fromLayout(config), ephemeral);
        } catch (ConfigException e) {
            err.println("mailrelay: fatal: " + e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            err.println("mailrelay: fatal: " + e.getMessage());
            return 1;
        }
        ApiServer api;
        try {
            api = ApiServer.start(harness, apiPort);
        } catch (UncheckedIOException e) {
            harness.close();
            err.println("mailrelay: fatal: " + e.getMessage());
            return 1;
        }
        if (spool != null) {
            spoolTo(harness, spool);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            harness.close();
            stopped.countDown();
        }, "mailrelay-shutdown"));
        for (Instance instance : harness.instances()) {
            for (Instance.Listener l : instance.listeners()) {
                out.println("READY " + instance.name() + " " + l.service() + " " + l.host() + ":" + l.port());
            }
        }
        out.println("web UI: " + api.url());
        out.println("READY api " + api.url());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private static int usage(PrintStream err) {
        err.println("usage: java -jar mailrelay-standalone.jar --config DIR [--ephemeral-ports] [--spool DIR]"
                + " [--api-port N]");
        err.println("       java -jar mailrelay-standalone.jar --demo");
        err.println("       java -jar mailrelay-standalone.jar postconf [-c DIR] [-n] [-d] [-x] [-h] [name ...]");
        err.println("       java -jar mailrelay-standalone.jar postmap [-c DIR] -q KEY [TYPE:]NAME ...");
        return 2;
    }

    /** Writes every accepted message as {@code <spool>/<instance>/<queue id>.eml}, atomically. */
    private static void spoolTo(Harness harness, Path spool) {
        for (Instance instance : harness.instances()) {
            Path dir = spool.resolve(instance.name());
            instance.capture().onMessage((CapturedMessage m) -> {
                Path tmp = null;
                try {
                    Files.createDirectories(dir);
                    tmp = Files.createTempFile(dir, m.queueId(), ".tmp");
                    try (OutputStream out = Files.newOutputStream(tmp)) {
                        m.messageContent().writeTo(out);
                    }
                    Files.move(tmp, dir.resolve(m.queueId() + ".eml"), StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    // The message is refused (451), so no half-written file may stay behind either.
                    try {
                        if (tmp != null) {
                            Files.deleteIfExists(tmp);
                        }
                    } catch (IOException ignored) {
                        // reported with the cause below
                    }
                    throw new UncheckedIOException("cannot spool " + m.queueId() + " to " + dir, e);
                }
            });
        }
    }
}
