package dev.mailrelay.junit.assertj;

import dev.mailrelay.capture.CapturedMessage;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on one message an instance accepted: envelope, SASL login and mechanism, TLS, headers
 * and body.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/AssertionExamplesTest.java#captured-message -->
 * <pre>{@code
 * assertThat(message).isFrom("shop@example.com").isTo("bob@example.org")
 *     .wasAuthenticatedAs("app").usedMechanism("PLAIN").hasHeader("X-Mailer", "shop")
 *     .hasBodyContaining("order 42");
 * }</pre>
 */
public final class CapturedMessageAssert extends AbstractAssert<CapturedMessageAssert, CapturedMessage> {

    CapturedMessageAssert(CapturedMessage actual) {
        super(actual, CapturedMessageAssert.class);
    }

    /** The envelope sender ({@code MAIL FROM}), empty for the null sender. */
    public CapturedMessageAssert isFrom(String sender) {
        isNotNull();
        if (!Objects.equals(actual.sender(), sender)) {
            failWithMessage("expected envelope sender <%s> but was <%s> in %s", sender, actual.sender(), actual);
        }
        return this;
    }

    /** The envelope recipients include these. */
    public CapturedMessageAssert isTo(String... recipients) {
        isNotNull();
        if (!actual.recipients().containsAll(Arrays.asList(recipients))) {
            failWithMessage("expected envelope recipients to include %s but were %s in %s",
                    Arrays.asList(recipients), actual.recipients(), actual);
        }
        return this;
    }

    /** The envelope recipients are exactly these, in RCPT order. */
    public CapturedMessageAssert hasRecipients(String... recipients) {
        isNotNull();
        if (!actual.recipients().equals(Arrays.asList(recipients))) {
            failWithMessage("expected envelope recipients %s but were %s in %s",
                    Arrays.asList(recipients), actual.recipients(), actual);
        }
        return this;
    }

    /** The decoded Subject header. */
    public CapturedMessageAssert hasSubject(String subject) {
        isNotNull();
        if (!Objects.equals(actual.subject(), subject)) {
            failWithMessage("expected subject <%s> but was <%s> in %s", subject, actual.subject(), actual);
        }
        return this;
    }

    /** The SASL login the client authenticated with. */
    public CapturedMessageAssert wasAuthenticatedAs(String login) {
        isNotNull();
        if (!Objects.equals(actual.saslUsername(), login)) {
            failWithMessage("expected SASL login <%s> but was <%s> in %s", login, actual.saslUsername(), actual);
        }
        return this;
    }

    /** No SASL authentication happened in the session. */
    public CapturedMessageAssert wasNotAuthenticated() {
        isNotNull();
        if (actual.saslUsername() != null) {
            failWithMessage("expected no SASL login but was <%s> in %s", actual.saslUsername(), actual);
        }
        return this;
    }

    /** The SASL mechanism, e.g. {@code PLAIN}. */
    public CapturedMessageAssert usedMechanism(String mechanism) {
        isNotNull();
        if (actual.saslMethod() == null || !actual.saslMethod().equalsIgnoreCase(mechanism)) {
            failWithMessage("expected SASL mechanism <%s> but was <%s> in %s", mechanism, actual.saslMethod(), actual);
        }
        return this;
    }

    /** The protocol in the Received header: {@code ESMTPA}, {@code ESMTPSA}, ... */
    public CapturedMessageAssert hasProtocol(String protocol) {
        isNotNull();
        if (!Objects.equals(actual.protocol(), protocol)) {
            failWithMessage("expected protocol <%s> but was <%s> in %s", protocol, actual.protocol(), actual);
        }
        return this;
    }

    /** The session used TLS (STARTTLS or wrapper mode). */
    public CapturedMessageAssert wasEncrypted() {
        isNotNull();
        if (actual.tls() == null) {
            failWithMessage("expected the message to arrive over TLS but the session was plaintext: %s", actual);
        }
        return this;
    }

    /** The session used TLS with this protocol, e.g. {@code TLSv1.3}. */
    public CapturedMessageAssert wasEncryptedWith(String tlsProtocol) {
        wasEncrypted();
        if (!tlsProtocol.equals(actual.tls().protocol())) {
            failWithMessage("expected TLS protocol <%s> but was <%s> in %s", tlsProtocol, actual.tls().protocol(), actual);
        }
        return this;
    }

    /** The session did not use TLS. */
    public CapturedMessageAssert wasNotEncrypted() {
        isNotNull();
        if (actual.tls() != null) {
            failWithMessage("expected a plaintext session but it used %s in %s", actual.tls(), actual);
        }
        return this;
    }

    /** Some header {@code name} has this (decoded) value. */
    public CapturedMessageAssert hasHeader(String name, String value) {
        isNotNull();
        List<String> values = headers(name);
        if (!values.contains(value)) {
            failWithMessage("expected header %s: <%s> but the message has %s %s in %s", name, value, name, values, actual);
        }
        return this;
    }

    /** The text of the body (the text parts of a multipart message) contains {@code text}. */
    public CapturedMessageAssert hasBodyContaining(String text) {
        isNotNull();
        String body = body();
        if (!body.contains(text)) {
            failWithMessage("expected the body to contain <%s> but it was <%s> in %s", text, body, actual);
        }
        return this;
    }

    private List<String> headers(String name) {
        try {
            String[] raw = actual.mimeMessage().getHeader(name);
            List<String> out = new ArrayList<>();
            if (raw != null) {
                for (String r : raw) {
                    out.add(MimeUtility.decodeText(MimeUtility.unfold(r)).strip());
                }
            }
            return out;
        } catch (MessagingException | UnsupportedEncodingException e) {
            throw new AssertionError("cannot read header " + name + " of " + actual + ": " + e.getMessage(), e);
        }
    }

    private String body() {
        try {
            MimeMessage m = actual.mimeMessage();
            StringBuilder sb = new StringBuilder();
            appendText(m, sb);
            return sb.toString();
        } catch (MessagingException | IOException | RuntimeException e) {
            // Jakarta Mail throws unchecked exceptions on some malformed parts (a null charset, say):
            // the assertion fails with what went wrong instead of an error from inside Jakarta Mail.
            throw new AssertionError("cannot read the body of " + actual + ": " + e, e);
        }
    }

    private static void appendText(Part part, StringBuilder sb) throws MessagingException, IOException {
        Object content = part.getContent();
        if (content instanceof String s) {
            sb.append(s);
        } else if (content instanceof Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                if (bp.isMimeType("text/*") || bp.isMimeType("multipart/*")) {
                    appendText(bp, sb);
                }
            }
        }
    }
}
