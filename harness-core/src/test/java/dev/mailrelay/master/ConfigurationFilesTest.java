package dev.mailrelay.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an instance start reads is bounded: a FIFO, directory or device named as a table or
 * certificate is an error at once (opening a FIFO would block the start for good), an exponential
 * {@code $name} expansion fails fast, and a main.cf that is not UTF-8 is read as Postfix reads it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfigurationFilesTest {

    @Test
    void aFifoNamedAsATableIsAnErrorNotAHang(@TempDir Path dir) throws Exception {
        Path fifo = mkfifo(dir.resolve("canonical"));
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("t").directory(dir)
                .mainCf("canonical_maps = hash:canonical\n").masterCf("smtp inet n - n - - smtpd")), true).close())
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.parameter()).isEqualTo("canonical_maps");
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e).hasMessageEndingWith("open database " + fifo + ": not a regular file");
                });
    }

    @Test
    void aDirectoryNamedAsAPasswordTableIsAnError(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("sasl_passwd"));
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("t").directory(dir)
                .mainCf("smtp_sasl_password_maps = texthash:sasl_passwd\n").masterCf("smtp inet n - n - - smtpd")),
                true).close())
                .isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.parameter()).isEqualTo("smtp_sasl_password_maps"))
                .hasMessageEndingWith(": not a regular file");
    }

    @Test
    void aFifoNamedAsTheServerCertificateIsAnErrorNotAHang(@TempDir Path dir) throws Exception {
        mkfifo(dir.resolve("cert.pem"));
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("t").directory(dir)
                .mainCf("smtpd_tls_security_level = may\nsmtpd_tls_cert_file = cert.pem\n")
                .masterCf("smtp inet n - n - - smtpd")), true).close())
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.parameter()).isEqualTo("smtpd_tls_cert_file");
                    assertThat(e.line()).isEqualTo(2);
                })
                .hasMessageEndingWith("not a regular file");
    }

    @Test
    void anExponentialExpansionFailsTheStartFast() {
        StringBuilder mainCf = new StringBuilder("smtpd_banner = $a0\n");
        for (int i = 0; i < 40; i++) {
            mainCf.append("a").append(i).append(" = $a").append(i + 1).append("$a").append(i + 1).append('\n');
        }
        assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("t").mainCf(mainCf.toString())
                .masterCf("smtp inet n - n - - smtpd")), true).close())
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.parameter()).isEqualTo("smtpd_banner");
                    assertThat(e.line()).isEqualTo(1);
                });
    }

    /** A real FIFO, made by mkfifo(1). */
    private static Path mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.isRegularFile(path)).isFalse();
        return path;
    }
}
