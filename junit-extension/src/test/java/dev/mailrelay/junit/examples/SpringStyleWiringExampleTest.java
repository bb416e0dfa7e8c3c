package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.SaslRelay;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wiring as Spring's {@code @DynamicPropertySource} does it, without Spring: a static field receives
 * the harness, and a static method registers suppliers reading it. In a Spring test the method is
 *
 * <pre>{@code
 * @DynamicPropertySource
 * static void mailProperties(DynamicPropertyRegistry registry) {
 *     registry.add("spring.mail.host", mail::host);
 *     registry.add("spring.mail.port", mail::port);
 *     registry.add("spring.mail.username", mail::username);
 *     registry.add("spring.mail.password", mail::password);
 * }
 * }</pre>
 */
@EnableSaslRelay
class SpringStyleWiringExampleTest {

    @InstanceName
    static SaslRelay mail;

    /** Stands in for Spring's DynamicPropertyRegistry. */
    static final Map<String, Supplier<Object>> registry = new LinkedHashMap<>();

    static void mailProperties(Map<String, Supplier<Object>> registry) {
        registry.put("spring.mail.host", mail::host);
        registry.put("spring.mail.port", mail::port);
        registry.put("spring.mail.username", mail::username);
        registry.put("spring.mail.password", mail::password);
    }

    /** What Spring Boot's mail auto-configuration would build from those properties. */
    static Session sessionFromProperties() {
        Properties p = new Properties();
        p.put("mail.smtp.host", String.valueOf(registry.get("spring.mail.host").get()));
        p.put("mail.smtp.port", String.valueOf(registry.get("spring.mail.port").get()));
        p.put("mail.smtp.auth", "true");
        return Session.getInstance(p);
    }

    @BeforeAll
    static void createTheContext() {
        mailProperties(registry);
    }

    @Test
    void theApplicationSendsWithTheRegisteredProperties() throws Exception {
        MimeMessage message = new MimeMessage(sessionFromProperties());
        message.setFrom(new InternetAddress("noreply@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject("Password reset");
        message.setText("Follow the link.\n");
        Transport.send(message, (String) registry.get("spring.mail.username").get(),
                (String) registry.get("spring.mail.password").get());

        assertThat(registry.get("spring.mail.port").get()).isEqualTo(mail.port());
        assertThat(mail.entry()).receivedMessage().hasSubject("Password reset").wasAuthenticatedAs("app");
    }
}
