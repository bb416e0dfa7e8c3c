package dev.mailrelay.junit;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.InstanceDirectory;
import dev.mailrelay.master.PublishedProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A started harness as kept in the {@link ExtensionContext.Store}: the core harness and its temporary
 * directory. JUnit closes it with the context that keeps it: the class or method that started it
 * ({@link Attachment}), or the root context for a shared one.
 */
final class RunningHarness implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private final String startedFor;
    private final Harness harness;
    private final SaslRelay relay;
    private final Path root;
    private boolean closed;

    private RunningHarness(String startedFor, Harness harness, SaslRelay relay, Path root) {
        this.startedFor = startedFor;
        this.harness = harness;
        this.relay = relay;
        this.root = root;
    }

    SaslRelay relay() {
        return relay;
    }

    /**
     * Writes every instance's directory and starts the harness. On any failure nothing is left:
     * started instances stopped, directory removed.
     */
    static RunningHarness start(Definition def, Class<?> testClass) {
        Path root = null;
        Harness harness = null;
        try {
            root = Files.createTempDirectory("mailrelay-junit-");
            Map<String, Path> directories = new LinkedHashMap<>();
            if (!def.configDirectory().isEmpty()) {
                directories.putAll(copyConfig(def.configDirectory(), root.resolve("config"), testClass));
            }
            List<InstanceSpec> specs = def.defaultTopology() ? DefaultTopology.with(def.instances()) : def.instances();
            Map<String, InstanceSpec> byName = new LinkedHashMap<>();
            Path instances = root.resolve("instances");
            for (InstanceSpec s : specs) {
                if (byName.put(s.name(), s) != null) {
                    throw new IllegalArgumentException("two instances are named " + s.name());
                }
                directories.computeIfAbsent(s.name(), instances::resolve);
            }
            for (String name : def.extraMainCf().keySet()) {
                if (!directories.containsKey(name)) {
                    throw new IllegalArgumentException("main.cf lines for instance " + name
                            + ", which is not declared; instances: " + directories.keySet());
                }
            }
            List<InstanceConfig> configs = new ArrayList<>();
            Map<String, Map<String, String>> users = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : directories.entrySet()) {
                String name = e.getKey();
                InstanceSpec spec = byName.get(name);
                InstanceDirectory instance = spec != null ? spec.toDirectory() : InstanceDirectory.named(name);
                def.extraMainCf().getOrDefault(name, List.of()).forEach(instance::mainCf);
                configs.add(instance.write(e.getValue()));
                users.put(name, instance.users());
            }
            if (configs.isEmpty()) {
                throw new IllegalArgumentException("no instances: the config directory " + def.configDirectory()
                        + " holds no main.cf");
            }
            harness = Harness.start(configs, def.ephemeralPorts());
            Map<String, RelayInstance> handles = new LinkedHashMap<>();
            for (InstanceConfig c : configs) {
                handles.put(c.name(), new RelayInstance(harness.instance(c.name()), users.get(c.name()),
                        directories.get(c.name())));
            }
            String entry = PublishedProperties.entry(def.entry(), List.copyOf(handles.keySet()));
            return new RunningHarness(testClass.getName(), harness, new SaslRelay(harness, handles, entry), root);
        } catch (IOException | RuntimeException e) {
            if (harness != null) {
                harness.close();
            }
            deleteQuietly(root);
            throw new ExtensionConfigurationException("mailrelay: cannot start the harness for "
                    + testClass.getName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies a standalone-layout configuration (a path, or a classpath resource, also inside a jar)
     * and returns its instances in the copy by name.
     */
    private static Map<String, Path> copyConfig(String location, Path target, Class<?> testClass) throws IOException {
        if (!location.startsWith("classpath:")) {
            return copy(location, Path.of(location).toAbsolutePath(), target);
        }
        String resource = location.substring("classpath:".length()).replaceFirst("^/+", "").replaceFirst("/+$", "");
        URL url = testClass.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalArgumentException("configDirectory " + location + ": no such classpath resource");
        }
        URI uri;
        try {
            uri = url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("configDirectory " + location + ": " + e.getMessage(), e);
        }
        if (!uri.getScheme().equals("jar")) {
            return copy(location, Path.of(uri), target);
        }
        FileSystem zip;
        try {
            zip = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            return copy(location, FileSystems.getFileSystem(uri).provider().getPath(uri), target);
        }
        try (zip) {
            return copy(location, zip.provider().getPath(uri), target);
        }
    }

    private static Map<String, Path> copy(String location, Path source, Path target) {
        try {
            return InstanceDirectory.copyLayout(source, target);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configDirectory " + location + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            harness.close();
        } finally {
            deleteQuietly(root);
        }
    }

    /**
     * Removes a stopped harness's temporary directory on a daemon thread, one per JVM: a class's end
     * does not wait for the file system (on ext4, 2 to 15 ms per harness, most of a per-class stop);
     * nothing reads the directory again, the next class gets a new one, and directories still queued
     * when the JVM exits are removed by a shutdown hook before it ends. Once the JVM is shutting
     * down, the directory is removed at once.
     */
    private static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        try {
            Cleaner.EXECUTOR.execute(() -> delete(root));
        } catch (RejectedExecutionException e) {
            delete(root);
        }
    }

    /** The thread that deletes, started on first use with the hook that lets it finish. */
    private static final class Cleaner {
        static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mailrelay-junit-cleanup");
            t.setDaemon(true);
            return t;
        });

        static {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(Cleaner::finish, "mailrelay-junit-cleanup-at-exit"));
            } catch (IllegalStateException e) {
                EXECUTOR.shutdown();     // first used while the JVM shuts down: every removal is done at once
            }
        }

        private static void finish() {
            EXECUTOR.shutdown();
            try {
                EXECUTOR.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory is not worth failing a test for
        }
    }

    @Override
    public String toString() {
        return "RunningHarness[started for " + startedFor + " " + relay + "]";
    }
}
