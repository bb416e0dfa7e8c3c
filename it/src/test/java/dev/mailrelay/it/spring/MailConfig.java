package dev.mailrelay.it.spring;

import java.util.Properties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/** What Spring Boot's mail auto-configuration builds from {@code spring.mail.*}, for a test without Boot. */
@Configuration
class MailConfig {

    @Bean
    JavaMailSender javaMailSender(Environment env) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost(env.getRequiredProperty("spring.mail.host"));
        sender.setPort(env.getRequiredProperty("spring.mail.port", Integer.class));
        sender.setUsername(env.getRequiredProperty("spring.mail.username"));
        sender.setPassword(env.getRequiredProperty("spring.mail.password"));
        Properties props = new Properties();
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.timeout", "10000");
        sender.setJavaMailProperties(props);
        return sender;
    }
}
