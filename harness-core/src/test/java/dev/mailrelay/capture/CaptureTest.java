package dev.mailrelay.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CaptureTest {

    private static CapturedMessage message(String id) {
        return new CapturedMessage(id, "isp", "a@example.com", List.of("b@example.com"), "localhost", "127.0.0.1",
                "client", "ESMTPA", "PLAIN", "alice", null, null, "Received: x\r\n", Instant.now(),
                "Subject: hi\r\n\r\nbody\r\n".getBytes());
    }

    @Test
    void changedAfterCompletesOnTheNextMessageDeliveryOrResetAndAtOnceForAnOldVersion() throws Exception {
        Capture capture = new Capture("isp");
        long v0 = capture.changes();
        java.util.concurrent.CompletableFuture<Long> next = capture.changedAfter(v0);
        assertThat(next).isNotDone();
        capture.record(message("C1"));
        assertThat(next.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(v0 + 1);
        java.util.concurrent.CompletableFuture<Long> afterReset = capture.changedAfter(v0 + 1);
        capture.reset();    // no message now, yet a watcher must hear of it
        assertThat(afterReset.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(v0 + 2);
        assertThat(capture.changedAfter(v0)).isCompletedWithValue(v0 + 2);
    }

    @Test
    void aWaitingThreadWakesOnArrival() throws Exception {
        Capture capture = new Capture("isp");
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<List<CapturedMessage>> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            return capture.awaitMessages(2, Duration.ofSeconds(10));
        });
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
        capture.record(message("A1"));
        capture.record(message("A2"));
        assertThat(waiter.get(10, TimeUnit.SECONDS)).extracting(CapturedMessage::queueId).containsExactly("A1", "A2");
    }

    @Test
    void aTimeoutSaysWhatArrived() {
        Capture capture = new Capture("isp");
        capture.record(message("B1"));
        capture.record(new CapturedSession(7, "isp", "smtp", "127.0.0.1", 4000, "client", null, null, null,
                List.of(new CapturedSession.Exchange("RCPT TO:<x@remote.example>",
                        List.of("554 5.7.1 <x@remote.example>: Relay access denied"))),
                Instant.now(), Instant.now()));
        assertThatThrownBy(() -> capture.awaitMessages(2, Duration.ofMillis(50)))
                .isInstanceOf(CaptureTimeoutException.class)
                .hasMessageContaining("expected at least 2 message(s) at instance isp")
                .hasMessageContaining("B1")
                .hasMessageContaining("554 5.7.1 <x@remote.example>: Relay access denied");
    }

    @Test
    void aSessionOpenAtTheResetStaysForgottenWhenItEnds() {
        Capture capture = new Capture("isp");
        Instant before = Instant.now();
        capture.record(session(1, before, null));
        capture.reset();
        // The client of an earlier test read 221 to QUIT; the server ends the session just after.
        capture.record(session(1, before, Instant.now()));
        Instant after = Instant.now().plusNanos(1000);
        capture.record(session(2, after, null));
        capture.record(session(2, after, after));
        assertThat(capture.sessions()).extracting(CapturedSession::id).containsExactly(2L);
        assertThat(capture.awaitEndedSessions(1, Duration.ofSeconds(1))).hasSize(1);
    }

    private static CapturedSession session(long id, Instant start, Instant end) {
        return new CapturedSession(id, "isp", "smtp", "127.0.0.1", 4000, "client", null, null, null,
                List.of(new CapturedSession.Exchange("QUIT", List.of("221 2.0.0 Bye"))), start, end);
    }

    @Test
    void parsesMimeAndResets() {
        Capture capture = new Capture("isp");
        capture.record(message("C1"));
        assertThat(capture.messages().get(0).subject()).isEqualTo("hi");
        capture.reset();
        assertThat(capture.messages()).isEmpty();
    }

    /**
     * {@code mvn mailrelay:run} with {@code <extensions>true</extensions>}: the thread's context class
     * loader holds a second copy of Jakarta Mail (the plugin realm; mailrelay was loaded by the
     * extension realm). Jakarta Mail looks its StreamProvider up there; the subject must not depend on it.
     */
    @Test
    void theSubjectDoesNotDependOnTheContextClassLoader() throws Exception {
        List<URL> jars = new ArrayList<>();
        for (Class<?> c : List.of(jakarta.mail.Session.class, org.eclipse.angus.mail.util.MailStreamProvider.class,
                jakarta.activation.DataHandler.class)) {
            jars.add(c.getProtectionDomain().getCodeSource().getLocation());
        }
        CapturedMessage m = message("C2");
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader otherCopy = new URLClassLoader(jars.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(otherCopy);
            assertThat(m.subject()).isEqualTo("hi");
            assertThat(thread.getContextClassLoader()).isSameAs(otherCopy);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Test
    void describeListsEachMessagesSubject() {
        Capture capture = new Capture("isp");
        capture.record(message("C3"));
        capture.record(new CapturedMessage("C4", "isp", "a@example.com", List.of("b@example.com"), "localhost",
                "127.0.0.1", "client", "ESMTP", null, null, null, null, "Received: x\r\n", Instant.now(),
                "From: a@example.com\r\n\r\nno subject\r\n".getBytes()));
        assertThat(capture.describe()).contains("CapturedMessage[C3 ", " subject=\"hi\"", " subject=(none)");
    }
}
