package dev.mailrelay.junit;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What to start, from the annotation or the builder: immutable once built. */
record Definition(List<InstanceSpec> instances, boolean defaultTopology, String config, Lifecycle lifecycle,
                  boolean resetBetweenTests, String entry, boolean ephemeralPorts, boolean exportSystemProperties,
                  Map<String, List<String>> extraMainCf) {

    Definition {
        instances = instances.stream().map(InstanceSpec::copy).toList();
        Map<String, List<String>> extra = new LinkedHashMap<>();
        extraMainCf.forEach((k, v) -> extra.put(k, List.copyOf(v)));
        extraMainCf = Map.copyOf(extra);
    }

    static Definition of(EnableSaslRelay a, boolean exportSystemProperties) {
        List<InstanceSpec> specs = new ArrayList<>();
        for (SaslInstance i : a.instances()) {
            specs.add(InstanceSpec.of(i));
        }
        boolean defaults = a.defaultTopology() || specs.isEmpty() && a.config().isEmpty();
        return new Definition(specs, defaults, a.config(), a.lifecycle(), a.resetBetweenTests(), a.entry(),
                a.ephemeralPorts(), exportSystemProperties, Map.of());
    }

    boolean perClass() {
        return lifecycle == Lifecycle.PER_CLASS;
    }
}
