package dev.mailrelay.maven;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.ExportSystemProperties;
import dev.mailrelay.junit.Instance;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.SaslInstance;
import dev.mailrelay.junit.SaslRelay;
import dev.mailrelay.junit.SaslRelayExtension;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * One vocabulary for the three ways in: the annotation ({@code @EnableSaslRelay}, {@code @SaslInstance}),
 * the builder ({@code SaslRelayExtension.builder()}, {@code InstanceSpec}) and the Maven plugin's
 * configuration (the parameters of {@code start} and {@code run}, the elements of {@code <instance>}).
 * {@link #HARNESS} and {@link #INSTANCE} declare every concept once with the name each way gives it;
 * a way that lacks a concept says why. The test reads the names each way really has — the annotation's
 * attributes and the builder's public methods by reflection, the goals' parameters from the plugin
 * descriptor Maven reads, the {@code <instance>} elements from {@link InstanceSpec}'s setters — and
 * fails on a name that is not declared, a declared name that is missing, or a concept named
 * differently by two ways. The README's vocabulary tables are rendered from the same declarations.
 */
class VocabularyTest {

    /**
     * One concept and its name in each way; {@code null} where the way does not have it ({@link #why}).
     * The builder adds one element per call of a list with the singular ({@code user}, {@code table}).
     */
    record Concept(String name, String annotation, String builder, String plugin, String why) {

        /** The README row: concept, annotation, builder, plugin, why a way lacks it. */
        String row() {
            return "| " + name + " | " + cell(annotation, "`" + annotation + "`") + " | "
                    + cell(builder, "`." + builder + "(...)`") + " | " + cell(plugin, "`<" + plugin + ">`") + " | "
                    + (why == null ? "" : why) + " |";
        }

        private static String cell(String name, String form) {
            return name == null ? "—" : form;
        }
    }

    private static Concept all(String name, String builder) {
        return new Concept(name, name, builder, name, null);
    }

    /** {@code @EnableSaslRelay}, {@code SaslRelayExtension.Builder}, the parameters of {@code start} and {@code run}. */
    static final List<Concept> HARNESS = List.of(
            all("instances", "instance"),
            new Concept("defaultTopology", "defaultTopology", "defaultTopology", null,
                    "the plugin runs what the POM declares"),
            all("configDirectory", "configDirectory"),
            new Concept("lifecycle", "lifecycle", "lifecycle", null,
                    "the plugin's servers run from `start` to `stop`"),
            new Concept("resetBetweenTests", "resetBetweenTests", "resetBetweenTests", null,
                    "failsafe tests reset through the API (`MailRelayClient.reset`)"),
            all("entry", "entry"),
            all("ephemeralPorts", "ephemeralPorts"),
            new Concept("exportSystemProperties", "@ExportSystemProperties", "exportSystemProperties", null,
                    "an annotation of its own, as it carries JUnit's `@ResourceLock`; the plugin always "
                            + "publishes the same names as project properties and in `mailrelay.properties`"),
            new Concept("outputDirectory", null, null, "outputDirectory", "where the plugin writes captured mail"),
            new Concept("apiPort", null, null, "apiPort", "the HTTP API serves tests outside the build's JVM"),
            new Concept("skip", null, null, "skip", "Maven's switches, also `skipITs`, `skipTests`, `maven.test.skip`"));

    /** Maven's own switches the plugin honours besides {@code skip}. */
    static final Set<String> MAVEN_SWITCHES = Set.of("skipITs", "skipTests", "mavenTestSkip");

    /** {@code @SaslInstance}, {@code InstanceSpec}, the elements of the plugin's {@code <instance>}. */
    static final List<Concept> INSTANCE = List.of(
            all("name", "name"),
            all("myhostname", "myhostname"),
            all("hostnames", "hostnames"),
            all("mechanisms", "mechanisms"),
            all("users", "user"),
            all("tls", "tls"),
            all("relayhost", "relayhost"),
            all("mainCf", "mainCf"),
            all("masterCf", "masterCf"),
            all("tables", "table"),
            new Concept("parameters", null, null, "parameters", "annotations hold no maps; `mainCf` lines do the same"),
            new Concept("configDirectory", null, null, "configDirectory",
                    "in JUnit an instance of the same name adds to the top-level `configDirectory`'s"),
            new Concept("faults", null, null, "faults",
                    "in JUnit a test installs faults on the instance it is given (`RelayInstance.faults()`), "
                            + "removed after each test"));

    /** A former name, kept for one release as a {@code @Deprecated} alias (the plugin warns). */
    record Alias(String former, String now) {

        /** The README row. */
        String row() {
            return "| `" + former + "` | `" + now + "` |";
        }
    }

    /** The former names by where they are: the way and the name. */
    static final Map<String, Alias> ALIASES = Map.of(
            "@EnableSaslRelay config", new Alias("@EnableSaslRelay(config = ...)", "configDirectory = ..."),
            "builder config", new Alias(".config(...)", ".configDirectory(...)"),
            "builder keepCapturedMailBetweenTests", new Alias(".keepCapturedMailBetweenTests()", ".resetBetweenTests(false)"),
            "builder fixedPorts", new Alias(".fixedPorts()", ".ephemeralPorts(false)"),
            "builder mainCf", new Alias(".mainCf(\"relay\", lines)", ".instance(InstanceSpec.named(\"relay\").mainCf(lines))"),
            "<instance> services", new Alias("<services><service>", "<masterCf>"),
            "SaslRelay server", new Alias("mail.server(name)", "mail.instance(name)"),
            "@Instance", new Alias("@Instance(\"isp\")", "@InstanceName(\"isp\")"));

    @Test
    void eachConceptHasOneNameInEveryWayThatHasIt() {
        for (Concept c : concat(HARNESS, INSTANCE)) {
            if (c.annotation() != null) {
                assertThat(c.annotation().replace("@", "")).as(c.name()).isEqualToIgnoringCase(c.name());
            }
            if (c.builder() != null) {
                assertThat(c.builder()).as(c.name()).isIn(c.name(), singular(c.name()));
            }
            if (c.plugin() != null) {
                assertThat(c.plugin()).as(c.name()).isEqualTo(c.name());
            }
            long ways = Arrays.asList(c.annotation(), c.builder(), c.plugin()).stream().filter(n -> n != null).count();
            assertThat(c.why() != null).as(c.name() + ": a concept missing from a way says why, and only then")
                    .isEqualTo(ways < 3);
        }
    }

    @Test
    void theAnnotationHasTheDeclaredNames() {
        Set<String> harness = names(EnableSaslRelay.class.getDeclaredMethods(), "@EnableSaslRelay");
        harness.add("exportSystemProperties");   // @ExportSystemProperties
        assertThat(ExportSystemProperties.class.isAnnotation()).isTrue();
        assertThat(harness).containsExactlyInAnyOrderElementsOf(declared(HARNESS, Concept::annotation, true));
        assertThat(names(SaslInstance.class.getDeclaredMethods(), "@SaslInstance"))
                .containsExactlyInAnyOrderElementsOf(declared(INSTANCE, Concept::annotation, true));
    }

    @Test
    void theBuilderHasTheDeclaredNames() {
        Set<String> harness = names(SaslRelayExtension.Builder.class.getDeclaredMethods(), "builder");
        harness.remove("build");
        assertThat(harness).containsExactlyInAnyOrderElementsOf(declared(HARNESS, Concept::builder, false));
        Set<String> instance = names(dev.mailrelay.junit.InstanceSpec.class.getDeclaredMethods(), "InstanceSpec");
        assertThat(instance).containsExactlyInAnyOrderElementsOf(declared(INSTANCE, Concept::builder, false));
    }

    @Test
    void thePluginHasTheDeclaredNames() throws Exception {
        for (String goal : List.of("start", "run")) {
            Set<String> parameters = goalParameters(goal);
            parameters.removeAll(MAVEN_SWITCHES);
            Set<String> expected = declared(HARNESS, Concept::plugin, false);
            if (goal.equals("run")) {
                expected.remove("skip");
            }
            assertThat(parameters).as(goal).containsExactlyInAnyOrderElementsOf(expected);
        }
        Set<String> elements = new TreeSet<>();
        for (Method m : InstanceSpec.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && m.getName().startsWith("set")) {
                String element = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
                if (!deprecatedAlias(m, "<instance> " + element)) {
                    elements.add(element);
                }
            }
        }
        assertThat(elements).containsExactlyInAnyOrderElementsOf(declared(INSTANCE, Concept::plugin, false));
    }

    @Test
    void theOtherFormerNamesAreDeprecatedAliases() throws Exception {
        assertThat(deprecatedAlias(SaslRelay.class.getMethod("server", String.class), "SaslRelay server")).isTrue();
        assertThat(deprecatedAlias(Instance.class, "@Instance")).isTrue();
        assertThat(InstanceName.class.isAnnotation()).isTrue();
        assertThat(SaslRelay.class.getMethod("instance", String.class).isAnnotationPresent(Deprecated.class)).isFalse();
    }

    @Test
    void theReadmeShowsTheseTables() throws Exception {
        String readme = Files.readString(Path.of(getBasedirOf()).resolve("../README.md"), StandardCharsets.UTF_8);
        List<String> rows = java.util.stream.Stream.concat(concat(HARNESS, INSTANCE).stream().map(Concept::row),
                ALIASES.values().stream().map(Alias::row).sorted()).toList();
        assertThat(rows.stream().filter(r -> !readme.contains(r)).toList())
                .as("rows of the README's vocabulary tables that differ from the declarations").isEmpty();
    }

    /** The names a way really has: public, non-deprecated members (a deprecated one must be a declared alias). */
    private static Set<String> names(Method[] methods, String way) {
        Set<String> out = new TreeSet<>();
        for (Method m : methods) {
            if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.isSynthetic()
                    || m.getName().equals("toString") || deprecatedAlias(m, way + " " + m.getName())) {
                continue;
            }
            out.add(m.getName());
        }
        return out;
    }

    /** Whether the member is deprecated; if it is, it must be declared in {@link #ALIASES}. */
    private static boolean deprecatedAlias(AnnotatedElement e, String key) {
        if (!e.isAnnotationPresent(Deprecated.class)) {
            return false;
        }
        assertThat(ALIASES).as("deprecated " + key + " is a declared alias").containsKey(key);
        return true;
    }

    private static Set<String> declared(List<Concept> concepts, java.util.function.Function<Concept, String> way,
                                        boolean stripAt) {
        return concepts.stream().map(way).filter(n -> n != null)
                .map(n -> stripAt && n.startsWith("@") ? Character.toLowerCase(n.charAt(1)) + n.substring(2) : n)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The editable parameters of a goal, from the plugin descriptor Maven configures the goal from. */
    private static Set<String> goalParameters(String goal) throws Exception {
        Path descriptor = Path.of(getBasedirOf(), "target/classes/META-INF/maven/plugin.xml");
        NodeList mojos = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(descriptor.toFile())
                .getElementsByTagName("mojo");
        for (int i = 0; i < mojos.getLength(); i++) {
            Element mojo = (Element) mojos.item(i);
            if (!text(mojo, "goal").equals(goal)) {
                continue;
            }
            Set<String> out = new TreeSet<>();
            NodeList parameters = mojo.getElementsByTagName("parameter");
            for (int j = 0; j < parameters.getLength(); j++) {
                Element p = (Element) parameters.item(j);
                if (text(p, "editable").equals("true")) {
                    out.add(text(p, "name"));
                }
            }
            return out;
        }
        throw new AssertionError("no goal " + goal + " in " + descriptor);
    }

    private static String text(Element e, String child) {
        return e.getElementsByTagName(child).item(0).getTextContent().strip();
    }

    private static String singular(String name) {
        return name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
    }

    private static List<Concept> concat(List<Concept> a, List<Concept> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static String getBasedirOf() {
        return System.getProperty("basedir", Path.of("").toAbsolutePath().toString());
    }
}
