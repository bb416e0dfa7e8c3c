package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.MainCf;
import dev.mailrelay.config.Parameters;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsParametersTest {

    static String[] protocols(String value) throws Exception {
        Parameters p = Parameters.defaults("t").with(MainCf.parse("smtpd_tls_protocols = " + value, "test"));
        return TlsParameters.protocols(p, "smtpd_tls_protocols");
    }

    @Test
    void postfixProtocolSyntaxWithinWhatTheJdkEnables() throws Exception {
        assertThat(protocols(">=TLSv1")).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(protocols("!SSLv2, !SSLv3")).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(protocols(">=TLSv1.3")).containsExactly("TLSv1.3");
        assertThat(protocols("<=TLSv1.2")).containsExactly("TLSv1.2");
        assertThat(protocols("TLSv1.2 TLSv1.3 !TLSv1.3")).containsExactly("TLSv1.2");
        assertThat(protocols("!TLSv1.2:!TLSv1.1")).containsExactly("TLSv1.3");
        assertThatThrownBy(() -> protocols("TLSv9")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("Invalid TLS protocol list");
        assertThatThrownBy(() -> protocols("<=TLSv1.1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("leaves no protocol the JDK enables");
    }

    @Test
    void cipherGrades() {
        Parameters ok = Parameters.defaults("t").with(MainCf.parse("smtpd_tls_ciphers = HIGH", "test"));
        TlsParameters.checkCipherGrade(ok, "smtpd_tls_ciphers");
        for (String bad : List.of("null", "strong")) {
            Parameters p = Parameters.defaults("t").with(MainCf.parse("smtpd_tls_ciphers = " + bad, "test"));
            assertThatThrownBy(() -> TlsParameters.checkCipherGrade(p, "smtpd_tls_ciphers"))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("smtpd_tls_ciphers");
        }
    }

    @Test
    void openSslCipherNames() {
        assertThat(TlsDetails.openSslName("TLS_AES_256_GCM_SHA384")).isEqualTo("TLS_AES_256_GCM_SHA384");
        assertThat(TlsDetails.openSslName("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"))
                .isEqualTo("ECDHE-ECDSA-AES256-GCM-SHA384");
        assertThat(TlsDetails.openSslName("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")).isEqualTo("ECDHE-RSA-AES128-SHA256");
        assertThat(TlsDetails.openSslName("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isEqualTo("ECDHE-RSA-CHACHA20-POLY1305");
        assertThat(TlsDetails.openSslName("TLS_RSA_WITH_AES_256_GCM_SHA384")).isEqualTo("AES256-GCM-SHA384");
        assertThat(TlsDetails.openSslName("TLS_DHE_RSA_WITH_AES_128_CBC_SHA")).isEqualTo("DHE-RSA-AES128-SHA");
    }

    @Test
    void harnessCaExports(@TempDir Path dir) throws Exception {
        assertThat(HarnessCa.certificate()).isSameAs(HarnessCa.certificate());
        assertThat(HarnessCa.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----\n")
                .endsWith("-----END CERTIFICATE-----\n");
        Path pem = HarnessCa.writePem(dir.resolve("ca.pem"));
        assertThat(PemFiles.certificates(pem)).containsExactly(HarnessCa.certificate());
        KeyStore ks = HarnessCa.trustStore();
        assertThat(ks.getCertificate(HarnessCa.ALIAS)).isEqualTo(HarnessCa.certificate());
        assertThat(HarnessCa.certificate().getBasicConstraints()).isZero();
    }
}
