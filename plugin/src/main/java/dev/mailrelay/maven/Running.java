package dev.mailrelay.maven;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mailrelay.api.ApiDocuments;
import dev.mailrelay.client.ApiModel;
import dev.mailrelay.api.ApiServer;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.PublishedProperties;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A harness and its API started for one project. {@link #close()} (idempotent) writes what was
 * captured to the output directory — {@code <instance>/<queue id>.eml} and {@code messages.json} —
 * then stops the API and the instances and removes {@code mailrelay.properties}, so that nothing
 * points at ports that no longer answer.
 */
final class Running implements AutoCloseable {

    static final String PROPERTIES_FILE = "mailrelay.properties";
    static final String INDEX_FILE = "messages.json";

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final String projectId;
    private final Harness harness;
    private final ApiServer api;
    private final Map<String, Map<String, String>> users;
    private final String entry;
    private final Path outputDirectory;
    private final Consumer<String> log;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param users each instance's SASL users from the POM, login → password
     * @param entry the instance {@code spring.mail.*} describes
     */
    Running(String projectId, Harness harness, ApiServer api, Map<String, Map<String, String>> users,
            String entry, Path outputDirectory, Consumer<String> log) {
        this.projectId = projectId;
        this.harness = harness;
        this.api = api;
        this.users = users;
        this.entry = entry;
        this.outputDirectory = outputDirectory;
        this.log = log;
    }

    String projectId() {
        return projectId;
    }

    Harness harness() {
        return harness;
    }

    ApiServer api() {
        return api;
    }

    /**
     * The published properties, as the JUnit extension exports them ({@link PublishedProperties}):
     * {@code mailrelay.<instance>.host}, {@code mailrelay.<instance>.<service>.port} (and for
     * {@code host:port} services also by the part after the colon), {@code mailrelay.<instance>.port}
     * (the first listener), {@code mailrelay.<instance>.username} and {@code .password} (the first
     * user of {@code <users>}), {@code mailrelay.<instance>.password.<login>} (every user, generated
     * passwords included), {@code spring.mail.host}, {@code .port}, {@code .username} and
     * {@code .password} for the entry instance (and its SSL bundle when it offers TLS with the harness
     * CA's certificate), {@code mailrelay.api.url} and {@code mailrelay.api.port}.
     */
    Map<String, String> properties() {
        PublishedProperties p = PublishedProperties.of(harness).api(api.url()).entry(entry);
        users.forEach(p::users);
        return p.toMap();
    }

    /** Writes {@link #properties()} to {@code <output>/mailrelay.properties}, atomically. */
    void writeProperties() {
        Properties p = new Properties();
        p.putAll(properties());
        try {
            Files.createDirectories(outputDirectory);
            Path tmp = Files.createTempFile(outputDirectory, PROPERTIES_FILE, ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.ISO_8859_1)) {
                p.store(w, "mailrelay servers of " + projectId + " (written by mailrelay:start)");
            }
            Files.move(tmp, outputDirectory.resolve(PROPERTIES_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outputDirectory.resolve(PROPERTIES_FILE), e);
        }
    }

    /** Writes the captured mail, then stops the API and every instance; later calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            writeCapture();
        } catch (RuntimeException e) {
            log.accept("cannot write the captured mail to " + outputDirectory + ": " + e.getMessage());
        } finally {
            try {
                api.close();
            } finally {
                harness.close();
                deleteIfExists(outputDirectory.resolve(PROPERTIES_FILE));
            }
        }
        log.accept("stopped the mailrelay servers of " + projectId);
    }

    /**
     * Removes what an earlier run left in the output directory — the index, the properties and the
     * {@code .eml} files of its instances — so that the files after this run are this run's mail only.
     * The generated instance directories ({@code instances/}, {@code config/}) are rewritten anyway and stay.
     */
    static void clearEarlierRun(Path outputDirectory) {
        if (!Files.isDirectory(outputDirectory)) {
            return;
        }
        deleteIfExists(outputDirectory.resolve(PROPERTIES_FILE));
        deleteIfExists(outputDirectory.resolve(INDEX_FILE));
        try (var dirs = Files.newDirectoryStream(outputDirectory, Files::isDirectory)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.equals("instances") || name.equals("config")) {
                    continue;
                }
                try (var emls = Files.newDirectoryStream(dir, "*.eml")) {
                    for (Path eml : emls) {
                        deleteIfExists(eml);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the earlier run's files in " + outputDirectory, e);
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** {@code <output>/<instance>/<queue id>.eml} per message and the index {@code <output>/messages.json}. */
    void writeCapture() {
        List<Map<String, Object>> instances = new ArrayList<>();
        int count = 0;
        try {
            for (Instance i : harness.instances()) {
                Path dir = outputDirectory.resolve(i.name());
                List<Map<String, Object>> messages = new ArrayList<>();
                for (CapturedMessage m : i.capture().messages()) {
                    Files.createDirectories(dir);
                    Path eml = dir.resolve(m.queueId() + ".eml");
                    writeAtomically(eml, m.messageContent()::writeTo);
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("file", outputDirectory.relativize(eml).toString());
                    entry.put("message", ApiDocuments.messageInfo(m));
                    messages.add(entry);
                    count++;
                }
                List<ApiModel.DeliveryInfo> deliveries = new ArrayList<>();
                for (DeliveryAttempt d : i.capture().deliveries()) {
                    deliveries.add(ApiDocuments.deliveryInfo(d));
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", i.name());
                entry.put("messages", messages);
                entry.put("deliveries", deliveries);
                instances.add(entry);
            }
            Files.createDirectories(outputDirectory);
            writeAtomically(outputDirectory.resolve(INDEX_FILE),
                    JSON.writeValueAsBytes(Map.of("instances", instances)));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        log.accept("wrote " + count + " captured message(s) and " + outputDirectory.resolve(INDEX_FILE));
    }

    /** What writes a file's bytes to a stream (message content is streamed, never copied whole). */
    @FunctionalInterface
    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        writeAtomically(file, out -> out.write(bytes));
    }

    private static void writeAtomically(Path file, Body body) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                body.writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
