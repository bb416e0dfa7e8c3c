package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The openssl(1) command line (Debian package {@code openssl}), for keys and certificates made the way users make them. */
public final class OpenSsl {

    private OpenSsl() {
    }

    /** Runs {@code openssl args...} in {@code dir}; returns standard output and error, failing the test on a non-zero exit. */
    public static String run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "openssl", ".out");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("openssl %s finished", args[0]).isTrue();
        String output = Files.readString(out, StandardCharsets.ISO_8859_1);
        Files.delete(out);
        assertThat(p.exitValue()).as("openssl %s: %s", String.join(" ", args), output).isZero();
        return output;
    }
}
