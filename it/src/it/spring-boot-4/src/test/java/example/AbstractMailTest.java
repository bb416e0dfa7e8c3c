package example;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.EnableSaslRelay.Lifecycle;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.SaslRelay;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

// tag::base[]
@SpringBootTest
@EnableSaslRelay(lifecycle = Lifecycle.PER_JVM)   // one harness for every subclass: Spring caches the context
abstract class AbstractMailTest {

    @InstanceName static SaslRelay mail;            // filled before Spring loads the context

    @DynamicPropertySource
    static void mailProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.mail.host", mail::host);
        registry.add("spring.mail.port", mail::port);
        registry.add("spring.mail.username", mail::username);
        registry.add("spring.mail.password", mail::password);
        // STARTTLS required, as in production, trusting the harness CA through an SSL bundle
        registry.add("spring.mail.properties.mail.smtp.auth", () -> "true");
        registry.add("spring.mail.properties.mail.smtp.starttls.enable", () -> "true");
        registry.add("spring.mail.properties.mail.smtp.starttls.required", () -> "true");
        registry.add("spring.mail.ssl.bundle", () -> "mailrelay");
        registry.add("spring.ssl.bundle.pem.mailrelay.truststore.certificate", mail.entry()::caCertificatePem);
    }
}
// end::base[]
