package dev.mailrelay.capture;

import com.code_intelligence.jazzer.junit.FuzzTest;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.List;

/**
 * Coverage-guided fuzzing of the MIME handling of captured messages: {@link CapturedMessage#mimeMessage()}
 * and {@link CapturedMessage#subject()} on arbitrary content may only fail with their documented
 * {@link IllegalStateException}; reading the parsed message's headers may only fail with Jakarta
 * Mail's checked exceptions. Jazzer reports a hang as a timeout. Decoding part contents is Jakarta
 * Mail's own code (it throws unchecked exceptions on some malformed content types, e.g. a null
 * charset), which mailrelay never calls on a capture; it is not fuzzed here.
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
            mime.getContentType();
        } catch (MessagingException checked) {
            // malformed MIME, reported to the caller as Jakarta Mail does
        }
    }
}
