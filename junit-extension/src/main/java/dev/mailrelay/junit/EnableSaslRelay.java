package dev.mailrelay.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs mailrelay instances — SASL-protected SMTP servers and Postfix-style relays — around the tests
 * of the annotated class, on ephemeral loopback ports.
 *
 * <p>Alone, it starts the default topology, shaped like production submission: an instance
 * {@code relay} the application submits to ({@code smtp} service offering STARTTLS and AUTH, loopback
 * in {@code mynetworks}) that relays through {@code relayhost = [mail.isp.example]:submission} over
 * TLS ({@code smtp_tls_security_level = encrypt}) with SASL client credentials to an instance
 * {@code isp} whose {@code submission} service requires TLS and then AUTH. Passwords are generated
 * per harness; read them, and the trust material for TLS, from the injected handles.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/SignupMailTest.java#class -->
 * <pre>{@code
 * @EnableSaslRelay
 * class SignupMailTest {
 *     private final Shop app = new Shop();   // the application under test
 *
 *     @Test
 *     void sendsTheWelcomeMail(SaslRelay mail, @InstanceName("isp") RelayInstance isp) throws Exception {
 *         app.configureSmtp(mail.host(), mail.port(), mail.username(), mail.password());
 *         app.signUp("bob@example.org");
 *         MailAssertions.assertThat(isp).receivedMessage().hasSubject("Welcome");
 *     }
 * }
 * }</pre>
 *
 * <p>With {@link #instances()} or {@link #configDirectory()} it starts exactly what they declare (unless
 * {@link #defaultTopology()} keeps the default instances):
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/DeclaredIspExampleTest.java#isp -->
 * <pre>{@code
 * @EnableSaslRelay(instances = @SaslInstance(name = "isp", myhostname = "mail.isp.example",
 *         users = "alice=secret", mechanisms = {"PLAIN", "LOGIN"},
 *         masterCf = "submission inet n - n - - smtpd"))
 * }</pre>
 *
 * <p>The harness lives for the class ({@link Lifecycle#PER_CLASS}, the default), for each test
 * method, or for the whole test run ({@link Lifecycle#PER_JVM}: one harness per configuration, shared
 * by every class that declares it, as Spring's cached application contexts need); between the tests
 * of a per-class or shared harness the captured and queued mail is deleted unless
 * {@link #resetBetweenTests()} is false. {@code @Nested} classes share the enclosing class's harness
 * unless they carry their own {@code @EnableSaslRelay}. The annotation is inherited and works as a
 * meta-annotation, so it can sit on an abstract base class:
 *
 * <!-- snippet: it/src/it/spring-boot-4/src/test/java/example/AbstractMailTest.java#base -->
 * <pre>{@code
 * @SpringBootTest
 * @EnableSaslRelay(lifecycle = Lifecycle.PER_JVM)   // one harness for every subclass: Spring caches the context
 * @ExportSystemProperties                            // spring.mail.*, and an SSL bundle trusting the harness CA
 * abstract class AbstractMailTest {
 *
 *     @InstanceName static SaslRelay mail;
 * }
 * }</pre>
 *
 * <p>For configuration computed at run time use {@link SaslRelayExtension#builder()}.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SaslRelayExtension.class)
public @interface EnableSaslRelay {

    /** The instances to run; none (and no {@link #configDirectory()}) means the default topology. */
    SaslInstance[] instances() default {};

    /**
     * Start the default topology although {@link #instances()} or {@link #configDirectory()} are given: a
     * declared instance named {@code relay} or {@code isp} then adjusts that default instance (its
     * attributes over the default's; {@code mainCf} lines come last and win), other instances join.
     *
     * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/AdjustedDefaultTopologyExampleTest.java#adjust -->
     * <pre>{@code
     * @EnableSaslRelay(defaultTopology = true, instances = @SaslInstance(name = "relay", tls = "encrypt"))
     * }</pre>
     */
    boolean defaultTopology() default false;

    /**
     * A configuration directory in the standalone layout (Postfix's {@code config_directory}): a
     * directory holding one subdirectory per instance (each with its {@code main.cf}, optional
     * {@code master.cf}, tables and {@code sasl/smtpd.conf}), or a single instance directory holding
     * {@code main.cf}. A {@code classpath:} prefix names a resource, otherwise it is a path relative to
     * the working directory. The tree is copied to a temporary directory, so a production
     * {@code main.cf} with relative table paths runs unchanged. {@link #instances()} with the same name
     * as a directory instance add to it. The Maven plugin's {@code <configDirectory>}.
     */
    String configDirectory() default "";

    /**
     * The former name of {@link #configDirectory()}.
     *
     * @deprecated use {@link #configDirectory()}; {@code config} goes in the next release
     */
    @Deprecated
    String config() default "";

    /** Whether one harness serves the class, each test method gets a fresh one, or one serves the whole run. */
    Lifecycle lifecycle() default Lifecycle.PER_CLASS;

    /**
     * Whether every instance's queue is deleted and its captured mail cleared after each test of a
     * per-class or shared ({@link Lifecycle#PER_JVM}) harness. A shared harness is also reset before
     * each class that uses it, whatever this says: each class starts as with a harness of its own.
     * Injected faults ({@link RelayInstance#faults()}) are removed after each test whatever this says.
     */
    boolean resetBetweenTests() default true;

    /**
     * The instance the application submits to: what {@link SaslRelay#host()}, {@link SaslRelay#port()}
     * and the exported {@code spring.mail.*} properties describe. Empty: {@code relay} when there is
     * one, else the first instance. The Maven plugin's {@code <entry>}.
     */
    String entry() default "";

    /** Bind ephemeral ports (the default) instead of the ports {@code master.cf} names; the plugin's {@code <ephemeralPorts>}. */
    boolean ephemeralPorts() default true;

    /** When a harness lives: per test class, per test method, or for the whole test run. */
    enum Lifecycle {
        /** Started before the class's first test, stopped after its last; mail cleared between tests. */
        PER_CLASS,
        /** Started before each test method and stopped after it. */
        PER_METHOD,
        /**
         * One harness per configuration for the whole test run (JUnit's root context: with Surefire or
         * Failsafe, one per forked JVM), the singleton pattern Testcontainers users know: started by
         * the first class that declares the configuration, shared by every class that declares an
         * equal one (the same attributes, or an equal builder configuration), stopped when the run
         * ends. Its ports and generated passwords stay the same for its whole life, so an
         * application context Spring cached for one class still reaches it from the next. Captured
         * and queued mail is deleted before each class that uses it and, unless
         * {@link #resetBetweenTests()} is false, after each test. Classes that JUnit runs concurrently
         * share it without these resets; they should tell their mail apart (by recipient, say).
         * {@link ExportSystemProperties} sets the properties for each class and restores them after it.
         */
        PER_JVM
    }
}
