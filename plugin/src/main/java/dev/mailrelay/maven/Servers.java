package dev.mailrelay.maven;

import dev.mailrelay.api.ApiServer;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.PublishedProperties;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;

/** Starts the instances and the API, and checks that every listener answers before returning. */
final class Servers {

    private static final int PROBE_TIMEOUT_MS = 10_000;

    private Servers() {
    }

    /**
     * Starts everything; on any failure, what did start is stopped before the exception is thrown.
     *
     * @throws MojoFailureException for configuration errors (named file, line and parameter)
     * @throws MojoExecutionException when a port cannot be bound or a listener does not answer
     */
    static Running start(String projectId, List<Configurations.Configured> configured, boolean ephemeralPorts,
            int apiPort, String entry, Path output, Consumer<String> log)
            throws MojoFailureException, MojoExecutionException {
        try {
            Running.clearEarlierRun(output);
        } catch (UncheckedIOException e) {
            throw new MojoExecutionException("mailrelay: " + e.getMessage(), e);
        }
        Harness harness;
        try {
            harness = Harness.start(configured.stream().map(Configurations.Configured::config).toList(), ephemeralPorts);
        } catch (ConfigException e) {
            throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException("mailrelay: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new MojoExecutionException("mailrelay: " + e.getMessage(), e);
        }
        ApiServer api;
        try {
            api = ApiServer.start(harness, apiPort);
        } catch (RuntimeException e) {
            harness.close();
            throw new MojoExecutionException("mailrelay: " + e.getMessage(), e);
        }
        Map<String, Map<String, String>> users = new LinkedHashMap<>();
        configured.forEach(c -> users.put(c.config().name(), c.users()));
        String entryInstance;
        try {
            entryInstance = PublishedProperties.entry(entry, List.copyOf(users.keySet()));
        } catch (IllegalArgumentException e) {
            api.close();
            harness.close();
            throw new MojoFailureException("mailrelay: <entry>: " + e.getMessage(), e);
        }
        Running running = new Running(projectId, harness, api, users, entryInstance, output, log);
        try {
            for (Instance instance : harness.instances()) {
                for (Instance.Listener l : instance.listeners()) {
                    probeSmtp(instance.name(), l);
                }
                // The probes are not the build's mail: once their sessions ended, forget them.
                instance.capture().awaitEndedSessions(instance.listeners().size(), Duration.ofMillis(PROBE_TIMEOUT_MS));
                instance.capture().reset();
            }
            probeApi(api);
            // Once the probes are through: a fault at connect would have failed them.
            configured.forEach(c -> c.faults().forEach(harness.instance(c.config().name()).faults()::add));
        } catch (IOException | RuntimeException e) {
            running.close();
            throw new MojoExecutionException("mailrelay: " + e.getMessage(), e);
        }
        return running;
    }

    /** Connects, reads the greeting and says QUIT. */
    private static void probeSmtp(String instance, Instance.Listener l) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(l.host(), l.port()), PROBE_TIMEOUT_MS);
            s.setSoTimeout(PROBE_TIMEOUT_MS);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String greeting = in.readLine();
            if (greeting == null || !greeting.matches("\\d{3}[ -].*")) {
                throw new IOException(instance + "/" + l.service() + " at " + l.host() + ":" + l.port()
                        + " does not answer with an SMTP greeting: " + greeting);
            }
            OutputStream out = s.getOutputStream();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.readLine();
        } catch (IOException e) {
            throw new IOException(instance + "/" + l.service() + " at " + l.host() + ":" + l.port()
                    + " does not answer: " + e.getMessage(), e);
        }
    }

    private static void probeApi(ApiServer api) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(api.url() + "api/instances").openConnection();
        c.setConnectTimeout(PROBE_TIMEOUT_MS);
        c.setReadTimeout(PROBE_TIMEOUT_MS);
        try {
            if (c.getResponseCode() != 200) {
                throw new IOException("the API at " + api.url() + " answers " + c.getResponseCode());
            }
            c.getInputStream().readAllBytes();
        } finally {
            c.disconnect();
        }
    }

    /** The READY lines, as the standalone runner prints them. */
    static void printReady(Running running, Consumer<String> out) {
        for (Instance instance : running.harness().instances()) {
            for (Instance.Listener l : instance.listeners()) {
                out.accept("READY " + instance.name() + " " + l.service() + " " + l.host() + ":" + l.port());
            }
        }
        out.accept("web UI: " + running.api().url());
        out.accept("READY api " + running.api().url());
    }
}
