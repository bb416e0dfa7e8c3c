package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-user cache of the harness CA: reused only while it is the user's private, well-formed file. */
class CaCacheTest {

    @TempDir
    Path dir;

    private final AtomicInteger generated = new AtomicInteger();

    private CaCache.Material generate() {
        generated.incrementAndGet();
        return HarnessCa.generate();
    }

    @Test
    void aSecondJvmReadsTheCaTheFirstWroteWithMode0600() throws Exception {
        Path file = dir.resolve("cache/mailrelay/harness-ca.pem");
        CaCache.Material first = CaCache.loadOrCreate(file, this::generate);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");

        CaCache.Material second = CaCache.loadOrCreate(file, this::generate);

        assertThat(generated).hasValue(1);
        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.caKeys().getPrivate().getEncoded()).isEqualTo(first.caKeys().getPrivate().getEncoded());
        assertThat(second.serverKeys().getPublic()).isEqualTo(first.serverKeys().getPublic());
        // The read keys work: what the cached server key signs, its cached public key verifies.
        Signature sign = Signature.getInstance("SHA256withECDSA");
        sign.initSign(second.serverKeys().getPrivate());
        sign.update(new byte[] {1, 2, 3});
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(second.serverKeys().getPublic());
        verify.update(new byte[] {1, 2, 3});
        assertThat(verify.verify(sign.sign())).isTrue();
        assertThat(Files.list(file.getParent())).containsExactly(file);   // no temporary file left
    }

    @Test
    void aFileOthersCanReadIsNotUsedButReplacedWithMode0600() throws Exception {
        Path file = dir.resolve("harness-ca.pem");
        CaCache.Material first = CaCache.loadOrCreate(file, this::generate);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        CaCache.Material second = CaCache.loadOrCreate(file, this::generate);

        assertThat(generated).hasValue(2);
        assertThat(second.caCertificate()).isNotEqualTo(first.caCertificate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(CaCache.loadOrCreate(file, this::generate).caCertificate()).isEqualTo(second.caCertificate());
    }

    @Test
    void aCorruptFileIsReplaced() throws Exception {
        Path file = dir.resolve("harness-ca.pem");
        CaCache.loadOrCreate(file, this::generate);
        String pem = Files.readString(file);
        Files.writeString(file, pem.replaceFirst("(?s)(-----BEGIN CERTIFICATE-----\\R)....", "$1AAAA"));

        CaCache.Material second = CaCache.loadOrCreate(file, this::generate);

        assertThat(generated).hasValue(2);
        assertThat(CaCache.loadOrCreate(file, this::generate).caCertificate()).isEqualTo(second.caCertificate());
        assertThat(generated).hasValue(2);
    }

    @Test
    void aDirectoryOthersCanWriteIsNotUsed() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = shared.resolve("harness-ca.pem");

        CaCache.loadOrCreate(file, this::generate);
        CaCache.loadOrCreate(file, this::generate);

        assertThat(generated).hasValue(2);
        assertThat(file).doesNotExist();
    }

    @Test
    void noneMeansANewCaInEveryJvm() {
        String before = System.getProperty(CaCache.PROPERTY);
        System.setProperty(CaCache.PROPERTY, "none");
        try {
            assertThat(CaCache.defaultFile()).isNull();
        } finally {
            if (before == null) {
                System.clearProperty(CaCache.PROPERTY);
            } else {
                System.setProperty(CaCache.PROPERTY, before);
            }
        }
    }
}
