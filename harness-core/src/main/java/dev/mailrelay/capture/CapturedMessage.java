package dev.mailrelay.capture;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * A message an instance accepted, as its queue file would hold it: the envelope, the session
 * attributes Postfix records with it (client, HELO, protocol, SASL method and login, TLS), and the
 * content with the {@code Received:} header smtpd prepended. The content is kept once, as
 * {@link MessageContent} (on the heap or, when large, in a spool file); {@link #content()} copies it
 * onto the heap for convenience, {@link #messageContent()} streams it.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#captured-message -->
 * <pre>{@code
 * CapturedMessage m = instance.capture().awaitMessages(1, Duration.ofSeconds(5)).get(0);
 * assertEquals("PLAIN", m.saslMethod());
 * assertEquals("Hello", m.mimeMessage().getSubject());
 * }</pre>
 *
 * @param queueId        the Postfix-style queue ID, also in the Received header
 * @param instance       the instance that accepted it
 * @param sender         the envelope sender, empty for the null sender
 * @param recipients     the envelope recipients in RCPT order
 * @param clientName     the client's host name ({@code localhost} for loopback, else {@code unknown})
 * @param clientAddress  the client's IP address
 * @param helo           the HELO/EHLO argument, or {@code null}
 * @param protocol       {@code SMTP}, {@code ESMTP}, {@code ESMTPA}, {@code ESMTPS}, {@code ESMTPSA}, ...
 * @param saslMethod     the SASL mechanism used, or {@code null}
 * @param saslUsername   the SASL login, or {@code null}
 * @param saslSender     the {@code AUTH=} address given on MAIL FROM, or {@code null}
 * @param tls            the TLS state of the session, or {@code null} without TLS
 * @param receivedHeader the {@code Received:} header smtpd wrote (unfolded lines kept)
 * @param arrivalTime    when the message was queued
 * @param messageContent the content, kept once and streamed to every reader
 * @param flags          hold, discarded or content filter, as access-table actions decided
 */
public record CapturedMessage(String queueId, String instance, String sender, List<String> recipients,
                              String clientName, String clientAddress, String helo, String protocol,
                              String saslMethod, String saslUsername, String saslSender, TlsInfo tls,
                              String receivedHeader, Instant arrivalTime, MessageContent messageContent,
                              QueueFlags flags) {

    public CapturedMessage {
        recipients = List.copyOf(recipients);
        flags = flags == null ? QueueFlags.NONE : flags;
    }

    /** A message without queue flags. */
    public CapturedMessage(String queueId, String instance, String sender, List<String> recipients,
                           String clientName, String clientAddress, String helo, String protocol,
                           String saslMethod, String saslUsername, String saslSender, TlsInfo tls,
                           String receivedHeader, Instant arrivalTime, MessageContent messageContent) {
        this(queueId, instance, sender, recipients, clientName, clientAddress, helo, protocol, saslMethod,
                saslUsername, saslSender, tls, receivedHeader, arrivalTime, messageContent, QueueFlags.NONE);
    }

    /** A message whose content is the given bytes (copied), e.g. in a test. */
    public CapturedMessage(String queueId, String instance, String sender, List<String> recipients,
                           String clientName, String clientAddress, String helo, String protocol,
                           String saslMethod, String saslUsername, String saslSender, TlsInfo tls,
                           String receivedHeader, Instant arrivalTime, byte[] content) {
        this(queueId, instance, sender, recipients, clientName, clientAddress, helo, protocol, saslMethod,
                saslUsername, saslSender, tls, receivedHeader, arrivalTime, MessageContent.of(content));
    }

    /** The same queue file with a rewritten envelope and content (cleanup's address rewriting). */
    public CapturedMessage withEnvelope(String newSender, List<String> newRecipients, MessageContent newContent) {
        return new CapturedMessage(queueId, instance, newSender, newRecipients, clientName, clientAddress, helo,
                protocol, saslMethod, saslUsername, saslSender, tls, receivedHeader, arrivalTime, newContent, flags);
    }

    /** The same queue file with other flags (cleanup applying smtpd's HOLD, DISCARD and FILTER). */
    public CapturedMessage withFlags(QueueFlags newFlags) {
        return new CapturedMessage(queueId, instance, sender, recipients, clientName, clientAddress, helo, protocol,
                saslMethod, saslUsername, saslSender, tls, receivedHeader, arrivalTime, messageContent, newFlags);
    }

    /** The content's size in bytes. */
    public long size() {
        return messageContent.size();
    }

    /**
     * The raw message bytes, as they would be written to an {@code .eml} file: a fresh copy on the
     * heap at each call (for tests; a large message is better read from {@link #messageContent()}).
     */
    public byte[] content() {
        return messageContent.bytes();
    }

    /** The content as text (UTF-8, malformed bytes replaced); materialises it as {@link #content()} does. */
    public String contentAsString() {
        return new String(messageContent.bytes(), StandardCharsets.UTF_8);
    }

    /**
     * The content parsed as MIME by Jakarta Mail; each call parses afresh. The headers are parsed
     * now, the body parts are read from the content when asked for (not copied onto the heap).
     */
    public MimeMessage mimeMessage() {
        return withJakartaMail(() -> {
            try {
                return new MimeMessage(Session.getInstance(new Properties()), messageContent.openUnclosedStream());
            } catch (MessagingException e) {
                throw new IllegalStateException("message " + queueId + " cannot be parsed as MIME: " + e.getMessage(),
                        e);
            }
        });
    }

    /** The Subject header, decoded, or {@code null}. */
    public String subject() {
        return withJakartaMail(() -> {
            try {
                return mimeMessage().getSubject();
            } catch (MessagingException e) {
                throw new IllegalStateException("message " + queueId + ": bad Subject header: " + e.getMessage(), e);
            }
        });
    }

    /**
     * Runs Jakarta Mail with the class loader mailrelay was loaded by as the thread's context class
     * loader. Jakarta Mail finds its {@code StreamProvider} through the context class loader, which need
     * not be ours: under Maven with {@code <extensions>true</extensions>} the plugin's classes live in
     * the extension realm while mojos (and the threads they start) run with the plugin realm, a second
     * copy of Jakarta Mail whose provider is "not a subtype" of ours, and every parse failed.
     */
    public static <T> T withJakartaMail(Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(CapturedMessage.class.getClassLoader());
        try {
            return work.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public String toString() {
        return "CapturedMessage[" + queueId + " from=<" + sender + "> to=" + recipients + " sasl_method="
                + saslMethod + " sasl_username=" + saslUsername + " size=" + messageContent.size()
                + (flags.equals(QueueFlags.NONE) ? "" : " " + flags) + "]";
    }
}
