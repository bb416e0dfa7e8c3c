package dev.mailrelay.master;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.config.Service;
import dev.mailrelay.tables.TableType;
import dev.mailrelay.xsasl.Mechanisms;
import dev.mailrelay.xsasl.ServerMechanism;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes one instance directory in the standalone layout — the one place every way in (the JUnit
 * annotation and builder, the Maven plugin's configuration) turns its description into: copies of
 * configuration directories, table and other files, {@code main.cf} lines and parameters, a
 * {@code master.cf}, SASL users and the mechanisms offered. The result is the {@link InstanceConfig}
 * the harness starts; the standalone runner reads the same layout in place ({@link #layout(Path)}).
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#instance-directory -->
 * <pre>{@code
 * InstanceConfig isp = InstanceDirectory.named("isp")
 *     .parameter("myhostname", "mail.isp.example")
 *     .user("relay-user", "s3cret")                  // sasl_users, 0600; smtpd_sasl_auth_enable = yes
 *     .user("app")                                   // a generated password, see users()
 *     .mechanisms(List.of("PLAIN", "LOGIN"))         // mech_list in sasl/<smtpd_sasl_path>.conf
 *     .mainCf("smtpd_tls_security_level = may")
 *     .masterCf("submission inet n - n - - smtpd")
 *     .write(dir.resolve("isp"));
 * }</pre>
 *
 * <p>Settings layer as lines of {@code main.cf} do: the copied directories' {@code main.cf} first,
 * then {@link #mainCf} text and {@link #parameter}s in the order given, a later assignment winning.
 * Declared users join the table {@code mailrelay_sasl_users} names when it is set (a table file in
 * the instance directory), else a generated {@code texthash:sasl_users}; they turn
 * {@code smtpd_sasl_auth_enable} on unless it is set. Every file the harness writes itself is
 * created readable by its owner only (0600), as Postfix's SASL_README asks of password tables, so
 * only a user's own readable table draws the start-up warning.
 */
public final class InstanceDirectory {

    /** The generated users table, {@code texthash:sasl_users}, when main.cf names none. */
    public static final String USERS_TABLE = "sasl_users";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] PASSWORD_ALPHABET =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final String NEW_SASL_CONF = "pwcheck_method: auxprop\nauxprop_plugin: sasldb\n";

    /** One {@code main.cf} layer: text ({@code parameter == null}) or one parameter. */
    private record Layer(String parameter, String value) {
    }

    private final String name;
    private final List<Path> copies = new ArrayList<>();
    private final Map<String, String> files = new LinkedHashMap<>();
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, String> users = new LinkedHashMap<>();
    private final List<String> mechanisms = new ArrayList<>();
    private String masterCf;

    private InstanceDirectory(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** A new description of the instance called {@code name}. */
    public static InstanceDirectory named(String name) {
        return new InstanceDirectory(name);
    }

    /** Copies a directory in the standalone layout ({@code main.cf}, {@code master.cf}, tables, {@code sasl/}) first. */
    public InstanceDirectory copyOf(Path source) {
        copies.add(Objects.requireNonNull(source, "source"));
        return this;
    }

    /** A file in the instance directory, e.g. a {@code sasl_passwd} table or a PEM key; created 0600. */
    public InstanceDirectory file(String fileName, String content) {
        files.put(Objects.requireNonNull(fileName, "fileName"), Objects.requireNonNull(content, "content"));
        return this;
    }

    /** {@code main.cf} lines (a later line wins, as in main.cf). */
    public InstanceDirectory mainCf(String text) {
        if (!text.isBlank()) {
            layers.add(new Layer(null, text));
        }
        return this;
    }

    /** One parameter, layered with {@link #mainCf} in call order. */
    public InstanceDirectory parameter(String parameterName, String value) {
        layers.add(new Layer(Objects.requireNonNull(parameterName, "parameterName"), Objects.requireNonNull(value)));
        return this;
    }

    /** The whole {@code master.cf}, replacing a copied one (by default Postfix's single {@code smtp} service). */
    public InstanceDirectory masterCf(String text) {
        this.masterCf = text;
        return this;
    }

    /** A SASL user of the built-in backend ({@code mailrelay_sasl_users}). */
    public InstanceDirectory user(String login, String password) {
        users.put(Objects.requireNonNull(login, "login"), Objects.requireNonNull(password, "password"));
        return this;
    }

    /**
     * A SASL user whose password is generated now ({@link #generatePassword()}): a description is
     * made for each start, so each start has its own. Read it from {@link #users()} (the JUnit
     * extension's {@code RelayInstance.password(login)}, the Maven plugin's published properties).
     */
    public InstanceDirectory user(String login) {
        return user(login, generatePassword());
    }

    /** A random password of 20 characters, without look-alikes or characters that tables and URLs treat specially. */
    public static String generatePassword() {
        char[] c = new char[20];
        for (int i = 0; i < c.length; i++) {
            c[i] = PASSWORD_ALPHABET[RANDOM.nextInt(PASSWORD_ALPHABET.length)];
        }
        return new String(c);
    }

    /** The SASL mechanisms offered, checked against those mailrelay implements when written. */
    public InstanceDirectory mechanisms(List<String> names) {
        mechanisms.addAll(names);
        return this;
    }

    public String name() {
        return name;
    }

    /** The declared users, login → password, in declaration order (to publish them to tests). */
    public Map<String, String> users() {
        return new LinkedHashMap<>(users);
    }

    /**
     * Writes the instance into {@code directory} (created if needed; files already there stay unless
     * written over) and returns its configuration.
     *
     * @throws ConfigException for a description that cannot make an instance: an unknown mechanism, a
     *     malformed user, a file outside the directory, {@code main.cf} text that does not parse
     * @throws UncheckedIOException when the directory cannot be written
     */
    public InstanceConfig write(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        // The description is checked whole before anything is written.
        users.forEach(this::checkUser);
        List<String> mechList = mechList();
        try {
            Files.createDirectories(dir);
            for (Path source : copies) {
                if (!Files.isDirectory(source)) {
                    throw new ConfigException(source.toString(), 0, null, "not a directory");
                }
                copyTree(source, dir);
            }
            for (Map.Entry<String, String> f : files.entrySet()) {
                writePrivate(inside(dir, f.getKey(), "file " + f.getKey()), f.getValue());
            }
            InstanceConfig config = InstanceConfig.fromDirectory(name, dir);
            for (Layer layer : layers) {
                if (layer.parameter() == null) {
                    config.mainCf(layer.value());
                } else {
                    config.parameter(layer.parameter(), layer.value());
                }
            }
            if (masterCf != null) {
                config.masterCf(masterCf);
            }
            writeUsers(config, dir);
            writeMechList(config, dir, mechList);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("instance " + name + ": cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    private void writeUsers(InstanceConfig config, Path dir) throws IOException {
        if (users.isEmpty()) {
            return;
        }
        StringBuilder table = new StringBuilder("# written by mailrelay: login password\n");
        users.forEach((login, password) -> table.append(login).append(' ').append(password).append('\n'));
        Parameters params = config.parameters();
        if (params.isSet("mailrelay_sasl_users")) {
            // The configuration names its own table: the declared users join it.
            String spec = params.get("mailrelay_sasl_users").strip();
            int colon = spec.indexOf(':');
            Optional<TableType> type = colon <= 0 ? Optional.empty() : TableType.of(spec.substring(0, colon));
            Optional<Path> file = TableType.file(spec, dir).map(Path::normalize);
            if (type.isEmpty() || !type.get().keyValueFile() || file.isEmpty() || !file.get().startsWith(dir)
                    || !Files.isRegularFile(file.get())) {
                throw params.error("mailrelay_sasl_users", "instance " + name + " declares SASL users, but "
                        + "mailrelay_sasl_users = " + spec + " is not a table file in the instance directory "
                        + "they could join (" + String.join(", ", TableType.keyValueNames()) + ")");
            }
            Files.writeString(file.get(), "\n" + table, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } else {
            writePrivate(dir.resolve(USERS_TABLE), table.toString());
            config.parameter("mailrelay_sasl_users", TableType.TEXTHASH.type() + ":" + USERS_TABLE);
        }
        if (!params.isSet("smtpd_sasl_auth_enable")) {
            config.parameter("smtpd_sasl_auth_enable", "yes");
        }
    }

    /** A user line must stay one {@code key value} line of the table; the message never shows the password. */
    private void checkUser(String login, String password) {
        if (login.isEmpty() || login.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\\')
                || login.startsWith("#")) {
            throw new ConfigException("instance " + name, 0, null, "SASL user \"" + login.strip()
                    + "\": a login must be non-empty, without white space, quotes or backslashes, and not start with #");
        }
        if (password.isEmpty() || password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0
                || !password.strip().equals(password)) {
            throw new ConfigException("instance " + name, 0, null, "SASL user \"" + login
                    + "\": the password must be non-empty, one line, without leading or trailing white space");
        }
    }

    /** The declared mechanisms by their canonical names; one mailrelay does not implement is an error. */
    private List<String> mechList() {
        List<String> names = new ArrayList<>();
        for (String m : mechanisms) {
            String mech = m == null ? "" : m.strip();
            ServerMechanism known = Mechanisms.server(mech).orElseThrow(() -> new ConfigException("instance " + name,
                    0, null, "mechanisms: unknown SASL mechanism \"" + mech + "\" (mailrelay implements: "
                    + String.join(" ", Mechanisms.serverNames()) + ")"));
            names.add(known.name());
        }
        return names;
    }

    /**
     * Sets {@code mech_list} in {@code sasl/<smtpd_sasl_path>.conf}, the file the Cyrus-compatible
     * backend reads, for main.cf's {@code smtpd_sasl_path} and every smtpd service's {@code -o}
     * override of it; the file's other lines stay.
     */
    private void writeMechList(InstanceConfig config, Path dir, List<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        Parameters main = config.parameters();
        List<Parameters> scopes = new ArrayList<>();
        scopes.add(main);
        for (Service s : config.services()) {
            if (s.isSmtpdListener()) {
                scopes.add(main.with(s.overrides()));
            }
        }
        Set<String> applications = new LinkedHashSet<>();
        for (Parameters p : scopes) {
            if (p.get("smtpd_sasl_type").equals("cyrus")) {
                applications.add(p.get("smtpd_sasl_path"));
            }
        }
        if (applications.isEmpty()) {
            throw main.error("smtpd_sasl_type", "instance " + name + " declares mechanisms, which the built-in "
                    + "Cyrus-compatible backend offers (smtpd_sasl_type = cyrus); with smtpd_sasl_type = "
                    + main.get("smtpd_sasl_type") + " the SASL server decides");
        }
        Path sasl = dir.resolve("sasl");
        for (String application : applications) {
            Path conf = inside(sasl, application + ".conf", "smtpd_sasl_path = " + application);
            List<String> lines = new ArrayList<>();
            if (Files.isRegularFile(conf)) {
                for (String l : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
                    if (!l.strip().startsWith("mech_list:")) {
                        lines.add(l);
                    }
                }
                lines.add("mech_list: " + String.join(" ", names));
                Files.write(conf, lines, StandardCharsets.UTF_8);
            } else {
                writePrivate(conf, NEW_SASL_CONF + "mech_list: " + String.join(" ", names) + "\n");
            }
        }
    }

    /** {@code fileName} resolved inside {@code dir}; a name that leaves it is a configuration error. */
    private Path inside(Path dir, String fileName, String what) {
        Path file = dir.resolve(fileName).normalize();
        if (!file.startsWith(dir) || file.equals(dir)) {
            throw new ConfigException("instance " + name, 0, null, what + ": not a file name inside " + dir);
        }
        return file;
    }

    /**
     * Creates a file readable and writable by its owner only — created with that mode, never
     * narrowed afterwards, so a password is not readable by others for a moment. A file already there
     * (a copied one) is replaced.
     */
    static void writePrivate(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] mode = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        try {
            Files.createFile(file, mode);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " appeared while it was being written", e);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * The instances of a configuration in the standalone layout: {@code dir} itself when it holds a
     * {@code main.cf} (one instance named after it), else each subdirectory holding one, by name.
     *
     * @throws ConfigException when {@code dir} is not a directory or holds no main.cf at all
     */
    public static Map<String, Path> layout(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(dir.toString(), 0, null, "not a directory");
        }
        Path abs = dir.toAbsolutePath().normalize();
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.isRegularFile(abs.resolve("main.cf"))) {
            out.put(nameOf(abs), abs);
            return out;
        }
        try (Stream<Path> children = Files.list(abs)) {
            children.filter(p -> Files.isRegularFile(p.resolve("main.cf")))
                    .sorted(Comparator.comparing(InstanceDirectory::nameOf))
                    .forEach(p -> out.put(nameOf(p), p));
        } catch (IOException e) {
            throw new ConfigException(dir.toString(), 0, null, "cannot list: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new ConfigException(dir.toString(), 0, null,
                    "no main.cf in the directory or in any of its subdirectories");
        }
        return out;
    }

    /**
     * Copies a configuration in the standalone layout (also one inside a jar) under {@code target},
     * keeping file modes, and returns its instances in the copy as {@link #layout(Path)} names them.
     * The whole tree is copied, so relative table paths between instances keep working.
     */
    public static Map<String, Path> copyLayout(Path source, Path target) {
        if (!Files.isDirectory(source)) {
            throw new ConfigException(source.toString(), 0, null, "not a directory");
        }
        Path copy = target.resolve(nameOf(source));
        try {
            copyTree(source, copy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + copy + ": " + e.getMessage(), e);
        }
        return layout(copy);
    }

    /** A directory's name; a jar's directory paths may end in '/'. */
    private static String nameOf(Path dir) {
        Path fileName = dir.toAbsolutePath().normalize().getFileName();
        String n = fileName == null ? "" : fileName.toString().replace("/", "");
        return n.isEmpty() ? "instance" : n;
    }

    /** Copies a tree, from any file system; within one, files keep their mode (a 0600 table stays 0600). */
    private static void copyTree(Path source, Path target) throws IOException {
        boolean sameProvider = source.getFileSystem().provider() == target.getFileSystem().provider();
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path to = target;
                for (Path part : source.relativize(p)) {
                    to = to.resolve(part.toString().replace("/", ""));
                }
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    if (sameProvider) {
                        Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    } else {
                        Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "InstanceDirectory[" + name + ", users=" + users.keySet() + "]";
    }
}
