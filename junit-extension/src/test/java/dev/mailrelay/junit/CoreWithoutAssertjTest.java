package dev.mailrelay.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * AssertJ is optional: only {@code dev.mailrelay.junit.assertj} may use it. Checked twice: no class
 * outside that package refers to {@code org/assertj} (or Awaitility), and the extension's classes
 * load, link and run their reflection in a class loader that has no AssertJ at all.
 */
class CoreWithoutAssertjTest {

    private static final Path MAIN_CLASSES = Path.of("target/classes");

    @Test
    void noClassOutsideTheAssertjPackageRefersToAssertj() throws IOException {
        try (Stream<Path> classes = Files.walk(MAIN_CLASSES.resolve("dev/mailrelay/junit"))) {
            List<Path> core = classes.filter(p -> p.toString().endsWith(".class"))
                    .filter(p -> !MAIN_CLASSES.relativize(p).startsWith("dev/mailrelay/junit/assertj")).toList();
            assertThat(core).isNotEmpty();
            for (Path c : core) {
                String constants = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
                assertThat(constants).as(c.toString()).doesNotContain("org/assertj").doesNotContain("org/awaitility");
            }
        }
    }

    @Test
    void theExtensionLoadsWithoutAssertjOnTheClasspath() throws Exception {
        URL[] withoutAssertj = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.contains("assertj"))
                .map(e -> {
                    try {
                        return Path.of(e).toUri().toURL();
                    } catch (IOException ex) {
                        throw new IllegalStateException(ex);
                    }
                }).toArray(URL[]::new);
        try (URLClassLoader loader = new URLClassLoader(withoutAssertj, ClassLoader.getPlatformClassLoader())) {
            assertThat(loader.getResource("org/assertj/core/api/Assertions.class")).isNull();
            for (String name : List.of("SaslRelayExtension", "SaslRelayExtension$Builder", "SaslRelay", "RelayInstance",
                    "InstanceSpec", "EnableSaslRelay", "SaslInstance", "Instance", "ExportSystemProperties",
                    "RunningHarness", "Definition", "DefaultTopology")) {
                Class<?> c = Class.forName("dev.mailrelay.junit." + name, true, loader);
                c.getDeclaredMethods();
                c.getDeclaredFields();
                c.getDeclaredConstructors();
            }
            Class<?> extension = Class.forName("dev.mailrelay.junit.SaslRelayExtension", true, loader);
            Object builder = extension.getMethod("builder").invoke(null);
            Method build = builder.getClass().getMethod("build");
            assertThat(build.invoke(builder)).isNotNull();
            try (InputStream in = loader.getResourceAsStream("dev/mailrelay/junit/assertj/MailAssertions.class")) {
                assertThat(in).as("the AssertJ layer is there, just not loaded").isNotNull();
            }
        }
    }
}
