package dev.mailrelay.junit;

import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ModifierSupport;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The JUnit 5 extension behind {@link EnableSaslRelay}, and its programmatic form for tests that
 * compute their configuration:
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/ComputedConfigTest.java#class -->
 * <pre>{@code
 * class ComputedConfigTest {
 *     @RegisterExtension
 *     static SaslRelayExtension mail = SaslRelayExtension.builder()
 *         .instance(InstanceSpec.named("isp")
 *             .myhostname("mail.isp.example")
 *             .user("alice", System.getenv().getOrDefault("ISP_PASSWORD", "s3cret"))
 *             .masterCf("submission inet n - n - - smtpd"))
 *         .build();
 *
 *     @Test
 *     void accepts(@InstanceName("isp") RelayInstance isp) throws Exception {
 *         Shop shop = new Shop();
 *         shop.configureSmtp(isp.host(), isp.port("submission"), "alice", isp.password("alice"));
 *         shop.signUp("bob@example.org");
 *         assertThat(isp).receivedMessage().wasAuthenticatedAs("alice");
 *     }
 * }
 * }</pre>
 *
 * <p>The extension keeps no state of its own: each class or method context keeps what it uses in
 * its {@link ExtensionContext.Store}, and a harness is stopped when JUnit closes the context that
 * started it, also when a test or callback fails; a shared harness ({@link Lifecycle#PER_JVM}) lives
 * in the root context's store, closed when the test run ends. A startup failure (a bad parameter, a
 * port taken) fails the class with the configuration error, with nothing left running. Each harness
 * binds its own ephemeral ports, so classes can run in parallel. Fields marked {@link InstanceName}
 * are filled wherever the class hierarchy declares them, static ones before the test instance is
 * constructed (so a static {@code @DynamicPropertySource} method of an abstract base class can read
 * them) and instance ones before each test.
 */
public final class SaslRelayExtension implements TestInstancePreConstructCallback, BeforeAllCallback,
        AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SaslRelayExtension.class);
    private static final String KEY = "attachment";

    /** The builder's configuration; {@code null} for the declarative {@code @EnableSaslRelay} form. */
    private final Definition programmatic;

    /** The declarative form, instantiated by JUnit for {@link EnableSaslRelay}. */
    public SaslRelayExtension() {
        this(null);
    }

    private SaslRelayExtension(Definition programmatic) {
        this.programmatic = programmatic;
    }

    /** A builder for the programmatic form; {@code build()} without instances gives the default topology. */
    public static Builder builder() {
        return new Builder();
    }

    /** A per-class test instance is made before {@code beforeAll}: its class gets its harness first. */
    @Override
    public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
        attachClass(classContext(context));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        attachClass(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Attachment own = own(context);
        if (own == null || !own.owns()) {
            return;     // a shared harness outlives the class, and so may the fields that point to it
        }
        for (Field f : annotatedFields(context.getRequiredTestClass())) {
            // Only if it still points to this class's harness: a sibling of a shared base class may have set it since.
            if (ModifierSupport.isStatic(f)
                    && get(f) == value(own.running().relay(), f.getType(), instanceName(f), f.toString())) {
                set(f, null, null);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Definition def = definition(context);
        RunningHarness running = def.lifecycle() == Lifecycle.PER_METHOD ? attachMethod(context, def) : find(context);
        if (running == null) {
            return;
        }
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Field f : annotatedFields(instance.getClass())) {
                if (!ModifierSupport.isStatic(f)) {
                    set(f, instance, value(running.relay(), f.getType(), instanceName(f), f.toString()));
                }
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Definition def = definition(context);
        RunningHarness running = find(context);
        // Concurrent methods share the class's capture: clearing it under another test's feet would
        // be wrong, so only tests that run one after the other are separated by a reset.
        if (def.lifecycle() == Lifecycle.PER_METHOD || running == null
                || context.getExecutionMode() != ExecutionMode.SAME_THREAD) {
            return;
        }
        if (def.resetBetweenTests()) {
            running.relay().reset();
        } else {
            // Faults are a test's own set-up, like a mock server's stubs: a test that keeps the mail of
            // the one before still never inherits its failing ISP.
            running.relay().instances().forEach(i -> i.faults().clear());
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == SaslRelay.class || type == RelayInstance.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        RunningHarness running = find(context);
        if (running == null && context.getTestMethod().isPresent()
                && definition(context).lifecycle() == Lifecycle.PER_METHOD) {
            // A per-method test instance's constructor runs before beforeEach.
            running = attachMethod(context, definition(context));
        }
        if (running == null) {
            throw new ParameterResolutionException("mailrelay: no harness for " + parameterContext.getParameter()
                    + ": a per-method harness (lifecycle = PER_METHOD) exists only for test methods");
        }
        return value(running.relay(), parameterContext.getParameter().getType(),
                instanceName(parameterContext.getParameter()), parameterContext.getParameter().toString());
    }

    /** The name {@link InstanceName} (or its deprecated alias {@link Instance}) gives; empty without either. */
    @SuppressWarnings("deprecation")
    private static String instanceName(AnnotatedElement element) {
        InstanceName name = element.getAnnotation(InstanceName.class);
        if (name != null) {
            return name.value();
        }
        Instance alias = element.getAnnotation(Instance.class);
        return alias == null ? "" : alias.value();
    }

    private static Object value(SaslRelay relay, Class<?> type, String name, String target) {
        if (type == SaslRelay.class) {
            return relay;
        }
        if (type == RelayInstance.class) {
            return name.isEmpty() ? relay.entry() : relay.instance(name);
        }
        throw new ExtensionConfigurationException("mailrelay: @InstanceName on " + target
                + " needs type SaslRelay or RelayInstance");
    }

    /** The nearest harness: this context's, else an enclosing one's (the store looks up its parents). */
    private static RunningHarness find(ExtensionContext context) {
        Attachment a = context.getStore(NAMESPACE).get(KEY, Attachment.class);
        return a == null ? null : a.running();
    }

    /** The attachment this very context made; {@code null} when it made none (an enclosing one's is visible). */
    private static Attachment own(ExtensionContext context) {
        Attachment a = context.getStore(NAMESPACE).get(KEY, Attachment.class);
        return a != null && a.madeBy(context.getUniqueId()) ? a : null;
    }

    /** The class context a method context (or a class context itself) belongs to. */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /**
     * Gives a class context its harness, once (before its test instance or {@code beforeAll},
     * whichever comes first): its own (per class), the shared one of its configuration (reset for
     * it), or the enclosing class's; none for a per-method configuration. Exports system properties
     * when asked and fills the static fields of the class hierarchy.
     */
    private RunningHarness attachClass(ExtensionContext context) {
        Attachment own = own(context);
        if (own != null) {
            return own.running();
        }
        Definition def = definition(context);
        Attachment visible = context.getStore(NAMESPACE).get(KEY, Attachment.class);
        Attachment attachment;
        if (def.lifecycle() == Lifecycle.PER_METHOD || !declaresOwnHarness(context, visible)) {
            attachment = new Attachment(context.getUniqueId(), visible == null ? null : visible.running(), false);
        } else {
            checkSystemPropertiesLock(context, def);
            if (def.lifecycle() == Lifecycle.PER_JVM) {
                attachment = new Attachment(context.getUniqueId(), shared(context, def), false);
                if (context.getExecutionMode() == ExecutionMode.SAME_THREAD) {
                    attachment.running().relay().reset();     // each class starts as with a harness of its own
                }
            } else {
                attachment = new Attachment(context.getUniqueId(), RunningHarness.start(def, context.getRequiredTestClass()), true);
            }
            if (def.exportSystemProperties()) {
                attachment.exportSystemProperties();
            }
        }
        context.getStore(NAMESPACE).put(KEY, attachment);
        injectStaticFields(context, attachment.running());
        return attachment.running();
    }

    /** A per-method harness for this method context, once. */
    private RunningHarness attachMethod(ExtensionContext context, Definition def) {
        Attachment own = own(context);
        if (own != null) {
            return own.running();
        }
        checkSystemPropertiesLock(context, def);
        Attachment attachment = new Attachment(context.getUniqueId(), RunningHarness.start(def, context.getRequiredTestClass()), true);
        context.getStore(NAMESPACE).put(KEY, attachment);
        if (def.exportSystemProperties()) {
            attachment.exportSystemProperties();
        }
        return attachment.running();
    }

    /** The shared harness of this configuration: started by the first class that asks, closed with the root context. */
    private static RunningHarness shared(ExtensionContext context, Definition def) {
        Class<?> testClass = context.getRequiredTestClass();
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(def.sharedKey(),
                key -> RunningHarness.start(def, testClass), RunningHarness.class);
    }

    /**
     * System properties are global: only under parallel execution can another class see them change,
     * and only JUnit's lock (which {@code @ExportSystemProperties} carries) keeps such classes apart.
     */
    private static void checkSystemPropertiesLock(ExtensionContext context, Definition def) {
        Class<?> testClass = context.getRequiredTestClass();
        if (def.exportSystemProperties() && parallelExecution(context) && !holdsSystemPropertiesLock(testClass)) {
            throw new ExtensionConfigurationException("mailrelay: " + testClass.getName() + " exports system "
                    + "properties under parallel execution but does not hold @ResourceLock(Resources.SYSTEM_PROPERTIES); "
                    + "annotate it with @ExportSystemProperties or that @ResourceLock");
        }
    }

    /**
     * Whether this class context has a harness of its own rather than sharing the enclosing class's:
     * a class carrying {@code @EnableSaslRelay} (directly, inherited or as a meta-annotation) does;
     * for the programmatic form, the outermost class it is registered for does (its nested classes share).
     */
    private boolean declaresOwnHarness(ExtensionContext context, Attachment visible) {
        if (programmatic != null) {
            return visible == null;
        }
        return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), EnableSaslRelay.class).isPresent();
    }

    /**
     * The configuration in force: the builder's, else the nearest class's {@code @EnableSaslRelay};
     * either way exporting system properties when the class (or an enclosing one) carries
     * {@link ExportSystemProperties}.
     */
    private Definition definition(ExtensionContext context) {
        if (programmatic != null) {
            return programmatic.exportingIf(exportsSystemProperties(context.getRequiredTestClass()));
        }
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> testClass = c.get().getTestClass();
            if (testClass.isEmpty()) {
                break;
            }
            Optional<EnableSaslRelay> a = AnnotationSupport.findAnnotation(testClass.get(), EnableSaslRelay.class);
            if (a.isPresent()) {
                return Definition.of(a.get(), exportsSystemProperties(testClass.get()));
            }
        }
        throw new ExtensionConfigurationException("mailrelay: SaslRelayExtension registered with @ExtendWith on "
                + context.getRequiredTestClass().getName() + " without @EnableSaslRelay; use @EnableSaslRelay or "
                + "SaslRelayExtension.builder()");
    }

    /** Whether the class, or one its {@code @Nested} class is nested in, carries {@link ExportSystemProperties}. */
    private static boolean exportsSystemProperties(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = nestedIn(c)) {
            if (AnnotationSupport.isAnnotated(c, ExportSystemProperties.class)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The class a {@code @Nested} (inner) class runs within, whose annotations JUnit applies to it too;
     * {@code null} for a top-level or static nested class, which runs on its own.
     */
    private static Class<?> nestedIn(Class<?> c) {
        return ModifierSupport.isStatic(c) ? null : c.getEnclosingClass();
    }

    private static boolean parallelExecution(ExtensionContext context) {
        return context.getConfigurationParameter("junit.jupiter.execution.parallel.enabled")
                .map(Boolean::parseBoolean).orElse(false);
    }

    private static boolean holdsSystemPropertiesLock(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = nestedIn(c)) {
            boolean locked = AnnotationSupport.findRepeatableAnnotations(c, ResourceLock.class).stream()
                    .anyMatch(l -> l.value().equals(Resources.SYSTEM_PROPERTIES)
                            && l.mode() == org.junit.jupiter.api.parallel.ResourceAccessMode.READ_WRITE);
            if (locked) {
                return true;
            }
        }
        return false;
    }

    /** Fills the static {@link InstanceName} fields the class and its superclasses declare. */
    private static void injectStaticFields(ExtensionContext context, RunningHarness running) {
        List<Field> statics = annotatedFields(context.getRequiredTestClass()).stream()
                .filter(ModifierSupport::isStatic).toList();
        if (statics.isEmpty()) {
            return;
        }
        if (running == null) {
            throw new ExtensionConfigurationException("mailrelay: static field " + statics.get(0)
                    + " cannot be injected: a per-method harness (lifecycle = PER_METHOD) exists only during a test; "
                    + "make the field non-static");
        }
        for (Field f : statics) {
            set(f, null, value(running.relay(), f.getType(), instanceName(f), f.toString()));
        }
    }

    @SuppressWarnings("deprecation")
    private static List<Field> annotatedFields(Class<?> testClass) {
        return ReflectionSupport.findFields(testClass,
                f -> f.isAnnotationPresent(InstanceName.class) || f.isAnnotationPresent(Instance.class),
                HierarchyTraversalMode.TOP_DOWN);
    }

    private static Object get(Field f) {
        try {
            f.setAccessible(true);
            return f.get(null);
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("mailrelay: cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static void set(Field f, Object target, Object value) {
        if (Modifier.isFinal(f.getModifiers())) {
            throw new ExtensionConfigurationException("mailrelay: @InstanceName field " + f + " must not be final");
        }
        try {
            f.setAccessible(true);
            f.set(target, value);
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("mailrelay: cannot inject " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the programmatic form. Every method has the name of the {@link EnableSaslRelay} attribute
     * it mirrors (and of the Maven plugin's element, where the plugin has it):
     *
     * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/PerMethodLifecycleExampleTest.java#builder -->
     * <pre>{@code
     * @RegisterExtension
     * static SaslRelayExtension mail = SaslRelayExtension.builder()
     *     .defaultTopology()
     *     .instance(InstanceSpec.named("relay").mainCf("smtp_sasl_mechanism_filter = plain"))
     *     .lifecycle(Lifecycle.PER_METHOD)
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private final List<InstanceSpec> instances = new ArrayList<>();
        private boolean defaultTopology;
        private String configDirectory = "";
        private Lifecycle lifecycle = Lifecycle.PER_CLASS;
        private boolean resetBetweenTests = true;
        private String entry = "";
        private boolean ephemeralPorts = true;
        private boolean exportSystemProperties;
        private final Map<String, List<String>> extraMainCf = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds instances ({@link EnableSaslRelay#instances()}). */
        public Builder instance(InstanceSpec... specs) {
            instances.addAll(Arrays.asList(specs));
            return this;
        }

        /**
         * Starts the default topology ({@code relay} and {@code isp}) besides any declared instances;
         * a declared instance named {@code relay} or {@code isp} adjusts the default one (see
         * {@link EnableSaslRelay#defaultTopology()}).
         */
        public Builder defaultTopology() {
            this.defaultTopology = true;
            return this;
        }

        /**
         * Appends {@code main.cf} lines to the named instance (a declared, default-topology or directory one).
         *
         * @deprecated declare the instance instead, as the annotation does:
         *     {@code .instance(InstanceSpec.named(instance).mainCf(lines))} (with {@link #defaultTopology()}
         *     for {@code relay} or {@code isp}); this method goes in the next release
         */
        @Deprecated
        public Builder mainCf(String instance, String lines) {
            extraMainCf.computeIfAbsent(instance, k -> new ArrayList<>()).add(lines);
            return this;
        }

        /** A configuration directory in the standalone layout; see {@link EnableSaslRelay#configDirectory()}. */
        public Builder configDirectory(String location) {
            this.configDirectory = location;
            return this;
        }

        /**
         * The former name of {@link #configDirectory(String)}.
         *
         * @deprecated use {@link #configDirectory(String)}; this method goes in the next release
         */
        @Deprecated
        public Builder config(String location) {
            return configDirectory(location);
        }

        /** Per class (the default), per method, or one per configuration for the whole run ({@link Lifecycle#PER_JVM}). */
        public Builder lifecycle(Lifecycle lifecycle) {
            this.lifecycle = lifecycle;
            return this;
        }

        /**
         * Whether captured mail and queued mail are deleted after each test of a per-class harness
         * (default {@code true}); injected faults are removed either way.
         */
        public Builder resetBetweenTests(boolean reset) {
            this.resetBetweenTests = reset;
            return this;
        }

        /**
         * Keep captured mail between the tests of a per-class harness.
         *
         * @deprecated use {@code resetBetweenTests(false)}, the annotation's name; this method goes in the next release
         */
        @Deprecated
        public Builder keepCapturedMailBetweenTests() {
            return resetBetweenTests(false);
        }

        /** The instance the application submits to; see {@link EnableSaslRelay#entry()}. */
        public Builder entry(String instance) {
            this.entry = instance;
            return this;
        }

        /** Bind ephemeral ports ({@code true}, the default) or the ports {@code master.cf} names. */
        public Builder ephemeralPorts(boolean ephemeral) {
            this.ephemeralPorts = ephemeral;
            return this;
        }

        /**
         * Bind the ports {@code master.cf} names instead of ephemeral ones.
         *
         * @deprecated use {@code ephemeralPorts(false)}, the annotation's name; this method goes in the next release
         */
        @Deprecated
        public Builder fixedPorts() {
            return ephemeralPorts(false);
        }

        /**
         * Export the system properties {@link ExportSystemProperties} describes, as that annotation on
         * the class does (either alone is enough). Under JUnit's parallel execution the class must
         * hold {@code @ResourceLock(Resources.SYSTEM_PROPERTIES)}, which {@code @ExportSystemProperties}
         * carries: the start fails otherwise.
         */
        public Builder exportSystemProperties() {
            this.exportSystemProperties = true;
            return this;
        }

        /** The extension; without instances or configuration directory, the default topology. */
        public SaslRelayExtension build() {
            boolean defaults = defaultTopology || (instances.isEmpty() && configDirectory.isEmpty());
            return new SaslRelayExtension(new Definition(instances, defaults, configDirectory, lifecycle,
                    resetBetweenTests, entry, ephemeralPorts, exportSystemProperties, extraMainCf));
        }
    }
}
