package dev.mailrelay.capture;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Where the daemons' Postfix-style log lines go, as Postfix's go to the maillog: SLF4J when the
 * application has an SLF4J provider (Logback, Log4j 2, slf4j-simple ...), else the JDK's
 * {@link System.Logger} (java.util.logging unless configured otherwise) for warnings and errors only.
 * Without the fallback, SLF4J 2 prints "No SLF4J providers were found" on the first log line of a
 * plain JUnit project and then drops every line, warnings included.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#maillog -->
 * <pre>{@code
 * private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");
 * }</pre>
 */
public final class Maillog {

    private static final boolean SLF4J = hasProvider(LoggerFactory.class.getClassLoader());

    private Maillog() {
    }

    /** The logger of a daemon or class, named as the SLF4J logger would be. */
    public static Logger logger(String name) {
        return SLF4J ? LoggerFactory.getLogger(name) : new SystemLogger(name);
    }

    /** The logger named after {@code owner}. */
    public static Logger logger(Class<?> owner) {
        return logger(owner.getName());
    }

    /**
     * Whether SLF4J finds a provider through {@code loader} as it would (the {@code slf4j.provider}
     * property names one explicitly). SLF4J 1.7, whose bindings are found otherwise, has no provider
     * interface: SLF4J then answers for itself.
     */
    static boolean hasProvider(ClassLoader loader) {
        if (System.getProperty("slf4j.provider") != null) {
            return true;
        }
        try {
            return ServiceLoader.load(SLF4JServiceProvider.class, loader).iterator().hasNext();
        } catch (LinkageError | ServiceConfigurationError e) {
            return true;
        }
    }

    /** Warnings and errors to {@link System.Logger}; the info and debug lines need an SLF4J provider. */
    static final class SystemLogger extends LegacyAbstractLogger {

        private static final long serialVersionUID = 1L;
        private final transient System.Logger system;

        SystemLogger(String name) {
            this.name = name;
            this.system = System.getLogger(name);
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return false;
        }

        @Override
        public boolean isWarnEnabled() {
            return system.isLoggable(System.Logger.Level.WARNING);
        }

        @Override
        public boolean isErrorEnabled() {
            return system.isLoggable(System.Logger.Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            System.Logger.Level to = level == Level.ERROR ? System.Logger.Level.ERROR : System.Logger.Level.WARNING;
            system.log(to, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
        }
    }
}
