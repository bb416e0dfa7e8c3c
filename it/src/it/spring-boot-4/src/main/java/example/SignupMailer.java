package example;

import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Service;

/** The application's mail: Spring Boot configures the JavaMailSender from spring.mail.*. */
@Service
public class SignupMailer {
    private final JavaMailSender sender;

    public SignupMailer(JavaMailSender sender) {
        this.sender = sender;
    }

    public void welcome(String to) {
        send(to, "Welcome", "Thank you for signing up.");
    }

    public void passwordReset(String to) {
        send(to, "Reset your password", "Follow the link to choose a new password.");
    }

    private void send(String to, String subject, String text) {
        SimpleMailMessage message = new SimpleMailMessage();
        message.setFrom("shop@example.com");
        message.setTo(to);
        message.setSubject(subject);
        message.setText(text);
        sender.send(message);
    }
}
