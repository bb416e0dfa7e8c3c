package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real clients the tests drive. A missing client fails the test on CI (env {@code CI=true}),
 * naming the Debian package {@code .ci/run} must install; elsewhere the test is skipped with an
 * assumption naming the missing tool.
 */
final class Tools {

    private Tools() {
    }

    /** The absolute path of {@code executable}: the given absolute path, else found on PATH. */
    static String require(String executable, String debianPackage) {
        Path found = locate(executable);
        if (found == null) {
            missing(executable + " (not found" + (executable.startsWith("/") ? "" : " on PATH") + ")", debianPackage);
        }
        return found.toString();
    }

    /** swaks at /usr/bin/swaks. */
    static String swaks() {
        return require("/usr/bin/swaks", "swaks");
    }

    /** msmtp on PATH. */
    static String msmtp() {
        return require("msmtp", "msmtp");
    }

    /** python3 on PATH. */
    static String python3() {
        return require("python3", "python3");
    }

    /** Dovecot's master binary (Debian dovecot-core). */
    static String dovecot() {
        return require("/usr/sbin/dovecot", "dovecot-core");
    }

    /** saslauthd (Debian sasl2-bin). */
    static String saslauthd() {
        return require("/usr/sbin/saslauthd", "sasl2-bin");
    }

    /** saslpasswd2 (Debian sasl2-bin). */
    static String saslpasswd2() {
        return require("/usr/sbin/saslpasswd2", "sasl2-bin");
    }

    /** Chromium (Debian chromium), for the web UI's browser tests. */
    static String chromium() {
        return require("/usr/bin/chromium", "chromium");
    }

    /** Chromium's WebDriver server (Debian chromium-driver), matching {@link #chromium()}'s version. */
    static String chromedriver() {
        return require("/usr/bin/chromedriver", "chromium-driver");
    }

    /** The postfix command (Debian postfix). */
    static String postfix() {
        return require("/usr/sbin/postfix", "postfix");
    }

    /** unshare(1), to give saslauthd a private /etc/sasldb2 (Debian util-linux). */
    static String unshare() {
        return require("/usr/bin/unshare", "util-linux");
    }

    /**
     * Requires root: the real servers (Postfix's master, Dovecot, saslauthd in its own mount namespace)
     * run as root on loopback and in private directories, as CI runs the tests.
     */
    static void requireRoot(String why) {
        if (!"root".equals(System.getProperty("user.name"))) {
            missing("root privileges (" + why + ")", "none: run the tests as root, as CI does");
        }
    }

    /** A loopback port that was free a moment ago, for servers that need a port in their configuration. */
    static int freeLoopbackPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Requires a Perl module a swaks mechanism needs (swaks itself runs without it and would only
     * report the mechanism as unsupported).
     */
    static void requirePerlModule(String module, String debianPackage) {
        String perl = require("perl", "perl");
        ExternalProcess.Result r = ExternalProcess.run(Duration.ofSeconds(20), null, perl, "-M" + module, "-e", "1");
        if (r.exitCode() != 0) {
            missing("Perl module " + module + " (" + r.stderr().strip() + ")", debianPackage);
        }
    }

    private static Path locate(String executable) {
        if (executable.startsWith("/")) {
            Path p = Path.of(executable);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, executable);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static void missing(String what, String debianPackage) {
        if ("true".equals(System.getenv("CI"))) {
            fail("missing " + what + ": .ci/run must install the Debian package " + debianPackage);
        }
        Assumptions.abort("skipped: missing " + what + " (install the Debian package " + debianPackage + ")");
    }
}
