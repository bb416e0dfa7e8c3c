package dev.mailrelay.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * Exports the running harness as system properties while it runs, and restores the previous values
 * when it stops: {@code spring.mail.host}, {@code spring.mail.port}, {@code spring.mail.username},
 * {@code spring.mail.password} for the entry instance (when it offers TLS with the harness CA's
 * certificate, as the default topology's {@code relay} does, also a Spring Boot SSL bundle trusting
 * that CA: {@code spring.ssl.bundle.pem.mailrelay.truststore.certificate} and
 * {@code spring.mail.ssl.bundle=mailrelay}), and for every instance {@code mailrelay.<name>.host},
 * {@code mailrelay.<name>.port}, {@code mailrelay.<name>.<service>.port}, {@code mailrelay.<name>.username},
 * {@code mailrelay.<name>.password} and {@code mailrelay.<name>.password.<login>} (every user, generated
 * passwords included).
 *
 * <p>It carries {@code @ResourceLock(Resources.SYSTEM_PROPERTIES)}, so under JUnit's parallel
 * execution no other class that declares that lock (read or write) runs at the same time. Classes
 * that read these properties without the extension should declare
 * {@code @ResourceLock(value = Resources.SYSTEM_PROPERTIES, mode = READ)}.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/SpringBootMailTest.java#class -->
 * <pre>{@code
 * @EnableSaslRelay
 * @ExportSystemProperties
 * class SpringBootMailTest {
 *     @Test
 *     void springMailDescribesTheRelay(SaslRelay mail) {
 *         // Spring Boot's mail auto-configuration reads spring.mail.* from the system properties
 *         assertEquals(String.valueOf(mail.port()), System.getProperty("spring.mail.port"));
 *         assertEquals(mail.username(), System.getProperty("spring.mail.username"));
 *     }
 * }
 * }</pre>
 *
 * <p>It works the same with the programmatic form ({@code @RegisterExtension} and
 * {@link SaslRelayExtension#builder()}); the builder's
 * {@link SaslRelayExtension.Builder#exportSystemProperties()} alone exports too, but under JUnit's
 * parallel execution the class must then hold {@code @ResourceLock(Resources.SYSTEM_PROPERTIES)}
 * (checked at start).
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ResourceLock(Resources.SYSTEM_PROPERTIES)
public @interface ExportSystemProperties {
}
