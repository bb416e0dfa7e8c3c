package dev.mailrelay.junit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.ExportSystemProperties;
import dev.mailrelay.junit.SaslRelay;
import org.junit.jupiter.api.Test;

/** {@code ExportSystemProperties}'s Javadoc example. */
// tag::class[]
@EnableSaslRelay
@ExportSystemProperties
class SpringBootMailTest {
    @Test
    void springMailDescribesTheRelay(SaslRelay mail) {
        // Spring Boot's mail auto-configuration reads spring.mail.* from the system properties
        assertEquals(String.valueOf(mail.port()), System.getProperty("spring.mail.port"));
        assertEquals(mail.username(), System.getProperty("spring.mail.username"));
    }
}
// end::class[]
