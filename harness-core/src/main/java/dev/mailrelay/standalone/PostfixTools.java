package dev.mailrelay.standalone;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Postconf;
import dev.mailrelay.config.Service;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.tables.Postmap;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The standalone jar's {@code postconf} and {@code postmap} commands, with Postfix's flags, output and
 * exit statuses: {@code postconf -c DIR [-n] [-d] [-x] [-h] [name ...]} answers for the instance
 * directory DIR (default {@code /etc/postfix}, as Postfix's), {@code postmap [-c DIR] -q KEY
 * [TYPE:]NAME ...} prints the first value found (exit 0) or nothing (exit 1). Fatal errors are
 * {@code postconf: fatal: ...} / {@code postmap: fatal: ...} and exit status 1.
 *
 * <pre>{@code
 * java -jar mailrelay-standalone.jar postconf -c src/test/mailrelay/isp -n
 * java -jar mailrelay-standalone.jar postmap -q alice@example.org texthash:virtual
 * }</pre>
 */
final class PostfixTools {

    private PostfixTools() {
    }

    static int postconf(List<String> args, PrintStream out, PrintStream err) {
        Path dir = Path.of("/etc/postfix");
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-c")) {
                if (i + 1 >= args.size()) {
                    return fatal(err, "postconf", "option requires an argument -- 'c'", Postconf.USAGE);
                }
                dir = Path.of(args.get(++i));
            } else if (arg.startsWith("-c") && arg.length() > 2) {
                dir = Path.of(arg.substring(2));
            } else {
                rest.add(arg);
            }
        }
        Postconf.Options options;
        try {
            options = Postconf.Options.parse(rest);
        } catch (IllegalArgumentException e) {
            return fatal(err, "postconf", e.getMessage(), Postconf.USAGE);
        }
        Path mainCf = dir.resolve("main.cf");
        if (!Files.isRegularFile(mainCf)) {
            err.println("postconf: fatal: open " + mainCf + ": No such file or directory");
            return 1;
        }
        try {
            Path abs = dir.toAbsolutePath().normalize();
            String name = abs.getFileName() == null ? "instance" : abs.getFileName().toString();
            InstanceConfig config = InstanceConfig.fromDirectory(name, abs);
            List<Service> services = config.services();
            if (!Files.isRegularFile(abs.resolve("master.cf"))) {
                // postconf then knows no service (an instance would run Postfix's default smtp service).
                err.println("postconf: warning: open " + abs.resolve("master.cf") + ": No such file or directory");
                services = List.of();
            }
            return Postconf.print(config.parameters(), services, options, out::println, err::println);
        } catch (ConfigException e) {
            err.println("postconf: fatal: " + e.getMessage());
            return 1;
        }
    }

    static int postmap(List<String> args, PrintStream out, PrintStream err) {
        String key = null;
        List<String> maps = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-q")) {
                if (i + 1 >= args.size()) {
                    return fatal(err, "postmap", "option requires an argument -- 'q'", Postmap.USAGE);
                }
                key = args.get(++i);
            } else if (arg.equals("-c")) {
                // postmap reads main.cf from there; a table path stays relative to the working directory.
                if (i + 1 >= args.size()) {
                    return fatal(err, "postmap", "option requires an argument -- 'c'", Postmap.USAGE);
                }
                i++;
            } else if (arg.startsWith("-")) {
                return fatal(err, "postmap", "invalid option -- '" + arg.substring(1) + "'", Postmap.USAGE);
            } else {
                maps.add(arg);
            }
        }
        if (key == null || maps.isEmpty()) {
            err.println("postmap: fatal: " + Postmap.USAGE);
            return 1;
        }
        try {
            Optional<String> value = Postmap.query(key, maps, Path.of("").toAbsolutePath());
            value.ifPresent(out::println);
            return value.isPresent() ? 0 : 1;
        } catch (ConfigException e) {
            err.println("postmap: fatal: " + e.getMessage());
            return 1;
        }
    }

    private static int fatal(PrintStream err, String program, String problem, String usage) {
        err.println(program + ": " + problem);
        err.println(program + ": fatal: " + usage);
        return 1;
    }
}
