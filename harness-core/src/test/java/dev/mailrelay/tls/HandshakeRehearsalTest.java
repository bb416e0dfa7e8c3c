package dev.mailrelay.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/**
 * The rehearsal {@link HarnessCa#prepare()} runs on its daemon thread: a whole handshake in memory
 * with the harness CA's server identity and a client trusting the CA.
 */
class HandshakeRehearsalTest {

    @Test
    void aHandshakeCompletesAndARecordGoesEachWay() {
        assertThat(HandshakeRehearsal.run(HarnessCa.serverIdentity("localhost"), HarnessCa.newClientContext()))
                .isTrue();
    }

    @Test
    void aClientTrustingAnotherCaEndsItQuietly() throws Exception {
        KeyPair keys = CertificateBuilderTest.ec();
        Instant now = Instant.now();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("other", new CertificateBuilder(new X500Principal("CN=another CA"), keys.getPublic())
                .validity(now, now.plus(Duration.ofDays(1))).ca().sign(keys.getPrivate()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext other = SSLContext.getInstance("TLS");
        other.init(null, tmf.getTrustManagers(), null);
        assertThat(HandshakeRehearsal.run(HarnessCa.serverIdentity("localhost"), other)).isFalse();
    }
}
