package dev.mailrelay.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the instance to inject into a {@link RelayInstance} parameter or field. On a field it also
 * marks a {@link SaslRelay} (value ignored) or {@link RelayInstance} field for injection: instance
 * fields before each test, static fields before all tests of a per-class harness (and cleared after).
 *
 * <pre>{@code
 * @Test
 * void relaysUpstream(@Instance("relay") RelayInstance relay, @Instance("isp") RelayInstance isp) { ... }
 *
 * @Instance("isp")
 * static RelayInstance isp;   // readable from a static method, e.g. Spring's @DynamicPropertySource
 * }</pre>
 *
 * <p>A {@link RelayInstance} parameter without this annotation is the entry instance
 * ({@link EnableSaslRelay#entry()}).
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Instance {

    /** The instance name; empty for the entry instance. */
    String value() default "";
}
