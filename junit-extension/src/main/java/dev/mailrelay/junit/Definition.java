package dev.mailrelay.junit;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** What to start, from the annotation or the builder: immutable once built. */
record Definition(List<InstanceSpec> instances, boolean defaultTopology, String configDirectory, Lifecycle lifecycle,
                  boolean resetBetweenTests, String entry, boolean ephemeralPorts, boolean exportSystemProperties,
                  Map<String, List<String>> extraMainCf) {

    Definition {
        instances = instances.stream().map(InstanceSpec::copy).toList();
        Map<String, List<String>> extra = new LinkedHashMap<>();
        extraMainCf.forEach((k, v) -> extra.put(k, List.copyOf(v)));
        extraMainCf = Map.copyOf(extra);
    }

    @SuppressWarnings("deprecation")
    static Definition of(EnableSaslRelay a, boolean exportSystemProperties) {
        List<InstanceSpec> specs = new ArrayList<>();
        for (SaslInstance i : a.instances()) {
            specs.add(InstanceSpec.of(i));
        }
        String configDirectory = a.configDirectory();
        if (!a.config().isEmpty()) {
            if (!configDirectory.isEmpty() && !configDirectory.equals(a.config())) {
                throw new ExtensionConfigurationException("mailrelay: @EnableSaslRelay gives configDirectory = \""
                        + configDirectory + "\" and its deprecated alias config = \"" + a.config() + "\"; keep configDirectory");
            }
            configDirectory = a.config();
        }
        boolean defaults = a.defaultTopology() || specs.isEmpty() && configDirectory.isEmpty();
        return new Definition(specs, defaults, configDirectory, a.lifecycle(), a.resetBetweenTests(), a.entry(),
                a.ephemeralPorts(), exportSystemProperties, Map.of());
    }

    /** The same definition, exporting system properties when {@code export} (the class's {@link ExportSystemProperties}). */
    Definition exportingIf(boolean export) {
        return export && !exportSystemProperties ? new Definition(instances, defaultTopology, configDirectory, lifecycle,
                resetBetweenTests, entry, ephemeralPorts, true, extraMainCf) : this;
    }

    /**
     * What a shared harness ({@link Lifecycle#PER_JVM}) is kept by: every setting that shapes it, so
     * that equal configurations share one. Exporting system properties is left out: each class
     * exports for itself.
     */
    List<Object> sharedKey() {
        return Arrays.asList(instances.stream().map(InstanceSpec::settings).toList(), defaultTopology, configDirectory,
                lifecycle, resetBetweenTests, entry, ephemeralPorts, extraMainCf);
    }
}
