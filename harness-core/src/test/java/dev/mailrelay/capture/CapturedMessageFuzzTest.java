package dev.mailrelay.capture;

import com.code_intelligence.jazzer.junit.FuzzTest;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Coverage-guided fuzzing of the MIME handling of captured messages: {@link CapturedMessage#mimeMessage()}
 * and {@link CapturedMessage#subject()} on arbitrary content may only fail with their documented
 * {@link IllegalStateException}; walking the parsed message (headers, parts, text) may only fail with
 * Jakarta Mail's checked exceptions. Jazzer reports a hang as a timeout.
 */
class CapturedMessageFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void mime(byte[] content) {
        CapturedMessage m = new CapturedMessage("4AbCdE", "fuzz", "a@example.com", List.of("b@example.com"),
                "localhost", "127.0.0.1", "client", "ESMTP", null, null, null, null, "", Instant.EPOCH, content);
        try {
            m.subject();
        } catch (IllegalStateException documented) {
            // a Subject header Jakarta Mail cannot decode
        }
        MimeMessage mime;
        try {
            mime = m.mimeMessage();
        } catch (IllegalStateException documented) {
            return;
        }
        try {
            mime.getAllHeaderLines().asIterator().forEachRemaining(h -> { });
            mime.getFrom();
            mime.getAllRecipients();
            walk(mime, 0);
        } catch (MessagingException | IOException checked) {
            // malformed MIME, reported to the caller as Jakarta Mail does
        }
    }

    private static void walk(Part part, int depth) throws MessagingException, IOException {
        part.getContentType();
        Object content = part.getContent();
        if (content instanceof Multipart mp && depth < 20) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                walk(bp, depth + 1);
            }
        }
    }
}
