package dev.mailrelay.standalone;

import dev.mailrelay.api.ApiServer;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * The standalone jar's command line (picocli): {@code java -jar mailrelay-standalone.jar COMMAND}.
 *
 * <ul>
 *   <li>{@code run --config DIR [--ephemeral-ports] [--spool DIR] [--api-port N]}: DIR holds a
 *       {@code main.cf} (one instance, named after DIR) or subdirectories that do (one instance each).
 *       When every listener is up it prints {@code READY <instance> <service> <host>:<port>} per
 *       listener, then {@code READY api http://<host>:<port>/} for the HTTP control API
 *       ({@link ApiServer}), and runs until SIGTERM or SIGINT. Bad configuration: a message naming
 *       file, line and parameter, and exit status 2.</li>
 *   <li>{@code demo}: {@link Demo}.</li>
 *   <li>{@code postconf ...} and {@code postmap ...}: Postfix's commands, with Postfix's flags, output
 *       and exit statuses ({@link PostfixTools}); their arguments are theirs, not picocli's.</li>
 *   <li>{@code --help}, {@code --version}, {@code help COMMAND}.</li>
 * </ul>
 * The invocations of earlier versions keep working: {@code --config DIR ...} is {@code run --config
 * DIR ...}, {@code --demo} is {@code demo}. A usage error exits with status 2.
 *
 * <pre>{@code
 * java -jar mailrelay-standalone.jar run --config src/test/mailrelay --ephemeral-ports
 * }</pre>
 */
@Command(name = "java -jar mailrelay-standalone.jar", mixinStandardHelpOptions = true, versionProvider = Standalone.Version.class,
        usageHelpAutoWidth = true,
        header = "Postfix 3.7 SASL semantics on loopback: SASL-protected SMTP servers and Postfix-style relays.",
        synopsisHeading = "%nUsage: ",
        commandListHeading = "%nCommands:%n",
        footer = {"", "Exit status: 0 on success, 2 for a usage or configuration error, 1 when a port or file "
                + "cannot be used; postconf and postmap exit as Postfix's do.",
                "Earlier invocations still work: --config DIR ... runs, --demo is demo."},
        subcommands = {Standalone.Run.class, Standalone.DemoCommand.class, Standalone.PostconfCommand.class,
                Standalone.PostmapCommand.class, CommandLine.HelpCommand.class})
public final class Standalone implements Callable<Integer> {

    /** The status {@link #run} returns after a clean stop by signal: {@link #main} then does not exit. */
    static final int STOPPED_BY_SIGNAL = -1;
    /** The options that began a run before there were commands; such an invocation is {@code run ...}. */
    private static final Set<String> RUN_OPTIONS = Set.of("--config", "--spool", "--ephemeral-ports", "--api-port");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    /** Where the commands print: the process's streams, or a test's. */
    private final PrintStream out;
    private final PrintStream err;

    private Standalone(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != STOPPED_BY_SIGNAL) {
            System.exit(status);
        }
    }

    /** Runs the command; returns the exit status, or {@link #STOPPED_BY_SIGNAL} after a clean stop by signal. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Standalone(out, err))
                .setExpandAtFiles(false)    // postmap -q @example.org is a key, not a file of arguments
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        // Postfix's commands parse their own flags (postconf -h is "no names", not help).
        for (String postfix : List.of("postconf", "postmap")) {
            cli.getSubcommands().get(postfix).setStopAtUnmatched(true).setUnmatchedOptionsArePositionalParams(true);
        }
        return cli.execute(legacy(args));
    }

    /** An invocation of earlier versions, as a command: {@code --demo} and {@code --config DIR ...}. */
    static String[] legacy(String[] args) {
        if (args.length > 0 && args[0].equals("--demo")) {
            List<String> demo = new ArrayList<>(List.of(args));
            demo.set(0, "demo");
            return demo.toArray(String[]::new);
        }
        if (args.length > 0 && RUN_OPTIONS.contains(args[0].split("=", 2)[0])) {
            List<String> run = new ArrayList<>(List.of(args));
            run.add(0, "run");
            return run.toArray(String[]::new);
        }
        return args;
    }

    /** Without a command: the usage on standard error, status 2 (as before there were commands). */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** {@code run}: the instances of a directory, until SIGTERM or SIGINT. */
    @Command(name = "run", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Runs the instances of a directory until SIGTERM or SIGINT.",
                    "DIR holds a main.cf (one instance, named after DIR; optionally master.cf, tables, "
                            + "sasl/smtpd.conf) or one such subdirectory per instance. When every listener is up, "
                            + "prints READY <instance> <service> <host>:<port> per listener, then "
                            + "READY api http://<host>:<port>/."})
    static final class Run implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        Standalone standalone;

        @Option(names = "--config", required = true, paramLabel = "DIR",
                description = "The configuration directory: one instance, or one per subdirectory.")
        Path config;

        @Option(names = "--ephemeral-ports",
                description = "Bind ephemeral ports instead of those master.cf names (smtp is 25, submission 587).")
        boolean ephemeral;

        @Option(names = "--spool", paramLabel = "DIR",
                description = "Also write every accepted message to DIR/<instance>/<queue id>.eml.")
        Path spool;

        @Option(names = "--api-port", paramLabel = "N", defaultValue = "0",
                description = "The HTTP control API's port on 127.0.0.1 (default: an ephemeral one).")
        int apiPort;

        @Override
        public Integer call() {
            PrintStream out = standalone.out;
            PrintStream err = standalone.err;
            if (apiPort < 0 || apiPort > 65535) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--api-port needs a port number (0 to 65535): " + apiPort);
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
            return STOPPED_BY_SIGNAL;
        }
    }

    /** {@code demo}: the default topology, one message through it. */
    @Command(name = "demo", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Starts a SASL-protected ISP (submission: TLS required, AUTH only over TLS) and a relay "
                    + "that relays to it with STARTTLS and SASL, submits one message with Jakarta Mail and prints "
                    + "what was relayed."})
    static final class DemoCommand implements Callable<Integer> {

        @CommandLine.ParentCommand
        Standalone standalone;

        @Override
        public Integer call() {
            return Demo.run(standalone.out);
        }
    }

    /** {@code postconf}: Postfix's, on an instance directory. */
    @Command(name = "postconf", usageHelpAutoWidth = true,
            customSynopsis = "java -jar mailrelay-standalone.jar postconf [-c DIR] [-n] [-d] [-x] [-h] [name ...]",
            description = {"Prints the parameters of the instance directory DIR (default /etc/postfix) as "
                    + "Postfix's postconf does, with its flags, warnings and exit statuses: -n those set, "
                    + "-d defaults, -x expanded, -h values only."})
    static final class PostconfCommand extends PostfixTool {
        PostconfCommand() {
            super(PostfixTools::postconf);
        }
    }

    /** {@code postmap -q}: Postfix's lookup. */
    @Command(name = "postmap", usageHelpAutoWidth = true,
            customSynopsis = "java -jar mailrelay-standalone.jar postmap [-c DIR] -q KEY [TYPE:]NAME ...",
            description = {"Looks KEY up in the tables in order, as Postfix's postmap -q does: prints the first "
                    + "value and exits 0, or prints nothing and exits 1. A name without a type is hash:."})
    static final class PostmapCommand extends PostfixTool {
        PostmapCommand() {
            super(PostfixTools::postmap);
        }
    }

    /**
     * A Postfix tool that parses its own flags, as Postfix's does (getopt order, its usage texts and
     * exit statuses): picocli only routes the arguments to it.
     */
    abstract static class PostfixTool implements Callable<Integer> {
        /** The tool itself: arguments, standard output, standard error; returns the exit status. */
        interface Main {
            int run(List<String> args, PrintStream out, PrintStream err);
        }

        private final Main main;

        @CommandLine.ParentCommand
        Standalone standalone;

        @Unmatched
        List<String> args = new ArrayList<>();

        PostfixTool(Main main) {
            this.main = main;
        }

        @Override
        public Integer call() {
            return main.run(args, standalone.out, standalone.err);
        }
    }

    /** {@code --version}: the version the build wrote into {@code version.properties}, and the JVM. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Standalone.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {
                "mailrelay " + p.getProperty("version", "(unknown version)") + " (Postfix 3.7 semantics)",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
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
