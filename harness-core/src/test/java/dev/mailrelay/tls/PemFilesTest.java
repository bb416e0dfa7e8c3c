package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys and certificates as openssl(1) writes them, read by PemFiles without BouncyCastle. */
class PemFilesTest {

    @TempDir
    Path dir;

    /** Loads {@code file}'s one key and checks it against the public key openssl derives from the same file. */
    void assertKeyMatchesOpenSsl(String file, String header, String algorithm) throws Exception {
        assertThat(Files.readString(dir.resolve(file))).contains("-----BEGIN " + header + "-----");
        List<PrivateKey> keys = PemFiles.read(dir.resolve(file)).keys();
        assertThat(keys).hasSize(1);
        PrivateKey key = keys.get(0);
        assertThat(key.getAlgorithm()).isEqualTo(algorithm);
        OpenSsl.run(dir, "pkey", "-in", file, "-pubout", "-outform", "DER", "-out", file + ".pub");
        PublicKey pub = KeyFactory.getInstance(algorithm.equals("EdDSA") ? "Ed25519" : algorithm)
                .generatePublic(new X509EncodedKeySpec(Files.readAllBytes(dir.resolve(file + ".pub"))));
        String signature = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
        };
        byte[] data = "the key openssl made".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(signature);
        signer.initSign(key);
        signer.update(data);
        Signature verifier = Signature.getInstance(signature);
        verifier.initVerify(pub);
        verifier.update(data);
        assertThat(verifier.verify(signer.sign())).as("signature by %s verifies with openssl's public key", file).isTrue();
    }

    @Test
    void pkcs8KeysFromGenpkey() throws Exception {
        OpenSsl.run(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem");
        assertKeyMatchesOpenSsl("rsa.pem", "PRIVATE KEY", "RSA");
        OpenSsl.run(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "ec.pem");
        assertKeyMatchesOpenSsl("ec.pem", "PRIVATE KEY", "EC");
        OpenSsl.run(dir, "genpkey", "-algorithm", "ed25519", "-out", "ed.pem");
        assertKeyMatchesOpenSsl("ed.pem", "PRIVATE KEY", "EdDSA");
    }

    @Test
    void pkcs1RsaKeysFromGenrsa() throws Exception {
        OpenSsl.run(dir, "genrsa", "-traditional", "-out", "rsa.pem", "2048");
        assertKeyMatchesOpenSsl("rsa.pem", "RSA PRIVATE KEY", "RSA");
    }

    @Test
    void sec1EcKeysFromEcparam() throws Exception {
        // ecparam -genkey writes an EC PARAMETERS object before the key.
        OpenSsl.run(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.pem");
        assertThat(Files.readString(dir.resolve("ec.pem"))).startsWith("-----BEGIN EC PARAMETERS-----");
        assertKeyMatchesOpenSsl("ec.pem", "EC PRIVATE KEY", "EC");
        OpenSsl.run(dir, "ec", "-in", "ec.pem", "-no_public", "-out", "nopub.pem");
        assertKeyMatchesOpenSsl("nopub.pem", "EC PRIVATE KEY", "EC");
        OpenSsl.run(dir, "ecparam", "-name", "secp521r1", "-genkey", "-noout", "-out", "p521.pem");
        assertKeyMatchesOpenSsl("p521.pem", "EC PRIVATE KEY", "EC");
    }

    @Test
    void keyAndCertificateInOneFileInAnyOrder() throws Exception {
        OpenSsl.run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=own.example", "-days", "1");
        Files.writeString(dir.resolve("both.pem"), "Subject: own.example (text between objects is ignored)\n"
                + Files.readString(dir.resolve("cert.pem")) + Files.readString(dir.resolve("key.pem")));
        PemFiles.Contents c = PemFiles.read(dir.resolve("both.pem"));
        assertThat(c.keys()).hasSize(1);
        assertThat(c.certificates()).singleElement()
                .satisfies(x -> assertThat(x.getSubjectX500Principal().getName()).isEqualTo("CN=own.example"));
    }

    @Test
    void encryptedKeysAreRefusedNamingTheFile() throws Exception {
        OpenSsl.run(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256",
                "-pass", "pass:secret", "-out", "pkcs8.pem");
        OpenSsl.run(dir, "genrsa", "-traditional", "-aes128", "-passout", "pass:secret", "-out", "pkcs1.pem", "2048");
        OpenSsl.run(dir, "req", "-x509", "-key", "pkcs1.pem", "-passin", "pass:secret", "-out", "cert.pem",
                "-subj", "/CN=own.example", "-days", "1");
        assertThat(Files.readString(dir.resolve("pkcs8.pem"))).contains("BEGIN ENCRYPTED PRIVATE KEY");
        assertThat(Files.readString(dir.resolve("pkcs1.pem"))).contains("Proc-Type: 4,ENCRYPTED");
        for (String key : List.of("pkcs8.pem", "pkcs1.pem")) {
            assertThatThrownBy(() -> Harness.start(List.of(InstanceConfig.named("enc").directory(dir).mainCf(
                    "smtpd_tls_security_level = may\n"
                    + "smtpd_tls_cert_file = cert.pem\n"
                    + "smtpd_tls_key_file = " + key + "\n")), true))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("smtpd_tls_cert_file")
                    .hasMessageContaining("error loading private key (PEM object number 1) from "
                            + dir.resolve(key))
                    .hasMessageContaining("the key is encrypted");
        }
    }

    @Test
    void otherPemTypesAndBrokenObjectsAreErrors() throws Exception {
        OpenSsl.run(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "key.pem", "-out", "csr.pem", "-subj", "/CN=own.example");
        assertThatThrownBy(() -> PemFiles.read(dir.resolve("csr.pem"))).isInstanceOf(IOException.class)
                .hasMessage("error loading " + dir.resolve("csr.pem") + ": unexpected PEM type: CERTIFICATE REQUEST");
        Files.writeString(dir.resolve("bad.pem"), PemFiles.pem("CERTIFICATE", new byte[] {0x30, 0x03, 1, 2, 3}));
        assertThatThrownBy(() -> PemFiles.read(dir.resolve("bad.pem"))).isInstanceOf(IOException.class)
                .hasMessageStartingWith("error loading certificate (PEM object number 1) from " + dir.resolve("bad.pem"));
        Files.writeString(dir.resolve("badkey.pem"), PemFiles.pem("EC PRIVATE KEY",
                Base64.getDecoder().decode("MAA=")));
        assertThatThrownBy(() -> PemFiles.read(dir.resolve("badkey.pem"))).isInstanceOf(IOException.class)
                .hasMessageContaining("error loading private key (PEM object number 1)")
                .hasMessageContaining("the EC key does not name its curve");
    }
}
