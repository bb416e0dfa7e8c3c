package dev.mailrelay.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the instance to inject into a {@link RelayInstance} parameter or field — the name of its
 * {@link SaslInstance#name()} (Postfix calls it the instance name, {@code multi_instance_name}). On a
 * field it also marks a {@link SaslRelay} (value ignored) or {@link RelayInstance} field for
 * injection: instance fields before each test, static fields before all tests of a per-class harness
 * (and cleared after).
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/InstanceNameExampleTest.java#instance-name -->
 * <pre>{@code
 * @InstanceName("isp")
 * static RelayInstance isp;   // readable from a static method, e.g. Spring's @DynamicPropertySource
 *
 * @Test
 * void relaysThroughTheIsp(@InstanceName("relay") RelayInstance relay, @InstanceName("isp") RelayInstance isp)
 *         throws Exception {
 *     app.configureSmtp(relay.host(), relay.port(), relay.username(), relay.password());
 *     app.signUp("bob@example.org");
 *     CapturedMessage m = isp.awaitMessage(x -> "Welcome".equals(x.subject()));
 *     assertEquals(isp.username(), m.saslUsername());
 * }
 * }</pre>
 *
 * <p>A {@link RelayInstance} parameter without this annotation is the entry instance
 * ({@link EnableSaslRelay#entry()}).
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InstanceName {

    /** The instance name; empty for the entry instance. */
    String value() default "";
}
