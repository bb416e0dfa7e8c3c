package dev.mailrelay.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without an SLF4J provider the daemons' warnings go to {@link System.Logger} (java.util.logging
 * here) instead of SLF4J's "No SLF4J providers were found" and silence; with one, SLF4J gets them.
 */
class MaillogTest {

    @Test
    void slf4jIsUsedWhenItHasAProvider() throws Exception {
        // This module's tests have slf4j-simple.
        assertThat(Maillog.hasProvider(LoggerFactory.class.getClassLoader())).isTrue();
        assertThat(Maillog.logger("dev.mailrelay.smtpd")).isNotInstanceOf(Maillog.SystemLogger.class);
        // slf4j-api alone, as in a plain JUnit project: no provider.
        URL api = LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader apiOnly = new URLClassLoader(new URL[] {api}, ClassLoader.getPlatformClassLoader())) {
            assertThat(Maillog.hasProvider(apiOnly)).isFalse();
        }
    }

    @Test
    void withoutAProviderWarningsGoToTheSystemLoggerAndInfoLinesNowhere() {
        String name = "dev.mailrelay.test.maillog";
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(name);
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(handler);
        jul.setUseParentHandlers(false);
        try {
            Logger log = new Maillog.SystemLogger(name);
            log.info("smtpd: connect from {}[{}]", "localhost", "127.0.0.1");
            log.warn("smtpd: warning: {}: unknown parameter", "typo", new IllegalStateException("why"));
            log.error("fatal: {}", "bad");
            assertThat(log.isInfoEnabled()).isFalse();
            assertThat(records).extracting(LogRecord::getMessage)
                    .containsExactly("smtpd: warning: typo: unknown parameter", "fatal: bad");
            assertThat(records.get(0).getLevel()).isEqualTo(java.util.logging.Level.WARNING);
            assertThat(records.get(0).getThrown()).hasMessage("why");
            assertThat(records.get(1).getLevel()).isEqualTo(java.util.logging.Level.SEVERE);
        } finally {
            jul.removeHandler(handler);
            jul.setUseParentHandlers(true);
        }
    }

    @Test
    void everyDaemonLogsThroughMaillog() throws IOException {
        // A LoggerFactory.getLogger in main code would bring back the warning in projects without a provider.
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            assertThat(sources.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.endsWith("Maillog.java"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("LoggerFactory.getLogger(");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .toList()).as("classes calling LoggerFactory.getLogger instead of Maillog.logger").isEmpty();
        }
    }
}
