package dev.mailrelay.it.spring;

// tag::imports[]
import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.SaslRelay;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;
// end::imports[]

/**
 * The README's Spring example: a real Spring test context whose {@link JavaMailSender} is built from
 * {@code spring.mail.*} properties that {@code @DynamicPropertySource} reads from the harness.
 */
// tag::class[]
@EnableSaslRelay
@SpringJUnitConfig(MailConfig.class)            // your configuration; Spring Boot's @SpringBootTest works alike
class SignupMailTest {
    @InstanceName static SaslRelay mail;

    @DynamicPropertySource
    static void mailProperties(DynamicPropertyRegistry registry) {
        registry.add("spring.mail.host", mail::host);
        registry.add("spring.mail.port", mail::port);
        registry.add("spring.mail.username", mail::username);
        registry.add("spring.mail.password", mail::password);
    }

    @Autowired JavaMailSender sender;

    @Test
    void theWelcomeMailIsRelayed() {
        SimpleMailMessage welcome = new SimpleMailMessage();
        welcome.setFrom("shop@example.com");
        welcome.setTo("bob@example.org");
        welcome.setSubject("Welcome");
        welcome.setText("Thank you for signing up.");
        sender.send(welcome);

        assertThat(mail.instance("relay")).receivedMessage().hasSubject("Welcome").wasAuthenticatedAs(mail.username());
    }
}
// end::class[]
