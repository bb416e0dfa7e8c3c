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
