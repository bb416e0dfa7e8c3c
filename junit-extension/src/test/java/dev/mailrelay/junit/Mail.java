package dev.mailrelay.junit;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;

/** Test helpers: submit with Jakarta Mail, or read an EHLO reply over a raw socket. */
public final class Mail {

    private Mail() {
    }

    /** A Jakarta Mail session for host:port with 10 s timeouts; AUTH when a user is given to {@link #send}. */
    public static Session session(String host, int port) {
        Properties p = new Properties();
        p.put("mail.smtp.host", host);
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.localhost", "client.example.net");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.writetimeout", "10000");
        return Session.getInstance(p);
    }

    /** Sends one text message; with {@code user == null} without AUTH. */
    public static void send(String host, int port, String user, String password, String from, String to,
                            String subject) throws MessagingException {
        Session session = session(host, port);
        if (user != null) {
            session.getProperties().put("mail.smtp.auth", "true");
            session.getProperties().put("mail.smtp.auth.mechanisms", "PLAIN");
        }
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(from));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText("sent by Jakarta Mail\n");
        message.setHeader("X-Mailer", "mailrelay-junit-test");
        if (user != null) {
            Transport.send(message, user, password);
        } else {
            Transport.send(message);
        }
    }

    /**
     * Sends one text message with STARTTLS required, trusting what {@code trust} trusts and checking
     * the server's name, as production configurations do; with {@code user == null} without AUTH.
     */
    public static void sendWithStarttls(String host, int port, SSLSocketFactory trust, String user, String password,
                                        String from, String to, String subject) throws MessagingException {
        Session session = session(host, port);
        session.getProperties().put("mail.smtp.starttls.enable", "true");
        session.getProperties().put("mail.smtp.starttls.required", "true");
        session.getProperties().put("mail.smtp.ssl.socketFactory", trust);
        session.getProperties().put("mail.smtp.ssl.checkserveridentity", "true");
        if (user != null) {
            session.getProperties().put("mail.smtp.auth", "true");
        }
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(from));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        message.setSubject(subject);
        message.setText("sent by Jakarta Mail over TLS\n");
        if (user != null) {
            Transport.send(message, user, password);
        } else {
            Transport.send(message);
        }
    }

    /** The reply lines to {@code EHLO client.example.net}. */
    public static List<String> ehlo(String host, int port) {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            readReply(in);
            out.write("EHLO client.example.net\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> reply = readReply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readReply(in);
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether something accepts connections on 127.0.0.1:port. */
    public static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> readReply(BufferedReader in) throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed after " + lines);
            }
            lines.add(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return lines;
    }
}
