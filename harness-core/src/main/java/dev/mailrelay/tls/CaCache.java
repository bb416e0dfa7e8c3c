package dev.mailrelay.tls;

import dev.mailrelay.capture.Maillog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * A per-user cache of the harness CA's keys and certificate, so that a cold JVM reads them instead
 * of generating two EC key pairs and signing a CA certificate. Each user has their own CA: the file
 * ({@code harness-ca.pem}: the CA key and certificate, the server key pair) lives in the user's
 * cache directory ({@code $XDG_CACHE_HOME/mailrelay}, else {@code ~/.cache/mailrelay}), is written
 * atomically with permissions 0600 in a directory of 0700, and is used only while it is the user's,
 * 0600, in a directory of the user's that no one else can write, well-formed, and its CA valid for
 * another 30 days; otherwise a new CA is made and written over it. Where the file system has no
 * POSIX permissions, or the directory cannot be made, nothing is cached. The system property
 * {@code mailrelay.tls.caCache} names another file, or {@code none} for a new CA in every JVM.
 *
 * <pre>{@code
 * CaCache.Material m = CaCache.loadOrCreate(CaCache.defaultFile(), HarnessCa::generate);
 * }</pre>
 */
final class CaCache {

    /** The CA, its certificate, and the key pair of every server certificate it signs. */
    record Material(KeyPair caKeys, X509Certificate caCertificate, KeyPair serverKeys) {
    }

    /** System property: the cache file, or {@code none}. */
    static final String PROPERTY = "mailrelay.tls.caCache";
    /** A cached CA that expires sooner than this is replaced. */
    private static final Duration MIN_REMAINING = Duration.ofDays(30);
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----\\R(.*?)-----END \\1-----",
            Pattern.DOTALL);
    private static final Logger log = Maillog.logger(CaCache.class);

    private CaCache() {
    }

    /** The cache file: the system property's, else the user's cache directory's; null for none. */
    static Path defaultFile() {
        String configured = System.getProperty(PROPERTY, "");
        if (configured.equals("none")) {
            return null;
        }
        if (!configured.isEmpty()) {
            return Path.of(configured);
        }
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return null;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("mailrelay").resolve("harness-ca.pem");
    }

    /**
     * The cached material when {@code file} holds a usable one, else {@code create}'s, written to
     * {@code file} for the next JVM (when it can be: a failure to cache is logged and never fails
     * a start). {@code file} null: {@code create}'s, not cached.
     */
    static Material loadOrCreate(Path file, Supplier<Material> create) {
        if (file == null) {
            return create.get();
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (!privateDirectory(dir)) {
                log.debug("harness CA not cached: {} is not a directory only its owner can write", dir);
                return create.get();
            }
            Material cached = read(file);
            if (cached != null) {
                return cached;
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("harness CA not cached in {}: {}", file, e.toString());
            return create.get();
        }
        Material made = create.get();
        try {
            write(file, made);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("harness CA not cached in {}: {}", file, e.toString());
        }
        return made;
    }

    /** Creates {@code dir} (0700) if missing; true when it is the user's and no one else can write it. */
    private static boolean privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another JVM made it meanwhile: checked below like any existing directory
            }
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && ownedByUser(dir)
                && !mode.contains(PosixFilePermission.GROUP_WRITE) && !mode.contains(PosixFilePermission.OTHERS_WRITE);
    }

    private static boolean ownedByUser(Path p) throws IOException {
        UserPrincipal owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS);
        return owner.getName().equals(System.getProperty("user.name"));
    }

    /**
     * The file's material, or null when it is missing, not the user's private file, malformed or
     * expiring. The CA certificate's signature is not verified (that costs what the cache saves):
     * only the user can have written the file.
     */
    private static Material read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (!ownedByUser(file) || !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(FILE_MODE)) {
            log.warn("harness CA cache {} is not the user's with mode 0600: not used, replaced", file);
            return null;
        }
        List<byte[]> blocks = new ArrayList<>();
        List<String> types = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            types.add(m.group(1));
            blocks.add(Base64.getMimeDecoder().decode(m.group(2)));
        }
        if (!types.equals(List.of("PRIVATE KEY", "CERTIFICATE", "PRIVATE KEY", "PUBLIC KEY"))) {
            log.warn("harness CA cache {} is malformed: not used, replaced", file);
            return null;
        }
        try {
            KeyFactory ec = KeyFactory.getInstance("EC");
            X509Certificate caCertificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(blocks.get(1)));
            if (caCertificate.getNotAfter().toInstant().isBefore(Instant.now().plus(MIN_REMAINING))) {
                return null;
            }
            KeyPair ca = new KeyPair(caCertificate.getPublicKey(), ec.generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0))));
            KeyPair server = new KeyPair(ec.generatePublic(new X509EncodedKeySpec(blocks.get(3))),
                    ec.generatePrivate(new PKCS8EncodedKeySpec(blocks.get(2))));
            return new Material(ca, caCertificate, server);
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            log.warn("harness CA cache {} is malformed ({}): not used, replaced", file, e.getClass().getSimpleName());
            return null;
        }
    }

    /** Writes a 0600 temporary file beside {@code file} and renames it over {@code file}. */
    private static void write(Path file, Material material) throws IOException {
        String pem;
        try {
            pem = PemFiles.pem("PRIVATE KEY", material.caKeys().getPrivate().getEncoded())
                    + PemFiles.pem("CERTIFICATE", material.caCertificate().getEncoded())
                    + PemFiles.pem("PRIVATE KEY", material.serverKeys().getPrivate().getEncoded())
                    + PemFiles.pem("PUBLIC KEY", material.serverKeys().getPublic().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".harness-ca", ".tmp", PosixFilePermissions.asFileAttribute(FILE_MODE));
        try {
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            // The umask may have taken bits from the new file's mode; reading wants exactly 0600.
            Files.setPosixFilePermissions(tmp, FILE_MODE);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
