package dev.mailrelay.junit.examples;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/**
 * Stands for the application under test in the Javadoc examples: a shop that mails its customers
 * from {@code shop@example.com} through the SMTP server it is configured with (AUTH PLAIN, no TLS).
 */
public final class Shop {

    private String host;
    private int port;
    private String user;
    private String password;

    /** Where the shop submits its mail, as its production configuration would say. */
    public void configureSmtp(String host, int port, String user, String password) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /** Mails "Welcome" to a new customer. */
    public void signUp(String customer) throws MessagingException {
        send(customer, "Welcome", "Thank you for signing up.\n");
    }

    /** Mails "Your order" to a customer. */
    public void order(String customer, int number) throws MessagingException {
        send(customer, "Your order", "Thank you for order " + number + ".\n");
    }

    private void send(String to, String subject, String text) throws MessagingException {
        Properties p = new Properties();
        p.put("mail.smtp.host", host);
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        MimeMessage message = new MimeMessage(Session.getInstance(p));
        message.setFrom(new InternetAddress("shop@example.com"));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setHeader("X-Mailer", "shop");
        message.setText(text);
        Transport.send(message, user, password);
    }
}
