package dev.mailrelay.master;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/**
 * Stands for the application under test in the Javadoc examples: it submits one message to
 * 127.0.0.1:port with Jakarta Mail, with AUTH PLAIN.
 */
public final class TheApplication {

    private TheApplication() {
    }

    /** Sends a message from alice@example.com to bob@example.org, authenticating as {@code login}. */
    public static void send(int port, String login, String password, String subject) throws MessagingException {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(p));
        message.setFrom(new InternetAddress("alice@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject(subject);
        message.setText("Hello from the application.\n");
        Transport.send(message, login, password);
    }
}
