package dev.mailrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.tls.CertificateFlaw;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seeds' relay delivering to an ISP's submissions service in wrapper mode
 * ({@code smtp_tls_wrappermode = yes} on the relay, {@code smtpd_tls_wrappermode = yes} at the ISP)
 * while the ISP's TLS fails: the relay defers with the texts of Postfix 3.7's smtp_proto.c
 * ({@code Cannot start TLS: handshake failure}, {@code Server certificate not verified}), as at STARTTLS.
 */
@Timeout(60)
class RelayWrapperModeFaultsTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    static Harness start(String level) {
        return Harness.start(List.of(
                RelayUnderFaultsTest.isp("isp", "mail.isp.example").masterCf("""
                        submissions inet n - n - - smtpd
                          -o smtpd_tls_wrappermode=yes
                        """),
                RelayUnderFaultsTest.relay("[mail.isp.example]:submissions",
                        "smtp_tls_wrappermode = yes\nsmtp_tls_security_level = " + level)), true);
    }

    @Test
    void aHandshakeFailureDefersAtEncryptAndTheRetryDelivers() throws Exception {
        try (Harness h = start("encrypt")) {
            Instance relay = h.instance("relay");
            Fault f = h.instance("isp").faults().onStarttls().next(1).handshakeFailure();
            RelayUnderFaultsTest.send(relay, "handshake");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.5");
            assertThat(deferred.reply()).isEqualTo("Cannot start TLS: handshake failure");
            assertThat(h.instance("isp").capture().injectedFaults()).extracting(i -> i.stage())
                    .containsExactly("CONNECT");
            relay.flush();
            assertThat(relay.capture().awaitDelivery(a -> a.status() == Status.SENT, WAIT)).isNotNull();
            assertThat(h.instance("isp").capture().awaitMessages(1, WAIT)).extracting(CapturedMessage::subject)
                    .containsExactly("handshake");
            assertThat(f.injected()).isEqualTo(1);
        }
    }

    @Test
    void aWrongNameDefersAtSecureAndIsAcceptedAtEncrypt() throws Exception {
        try (Harness h = start("secure")) {
            Fault f = h.instance("isp").faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
            RelayUnderFaultsTest.send(h.instance("relay"), "wrong name");
            DeliveryAttempt deferred = h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.5");
            assertThat(deferred.reply()).isEqualTo("Server certificate not verified");
            assertThat(f.injected()).isEqualTo(1);
            assertThat(h.instance("isp").capture().messages()).isEmpty();
        }
        try (Harness h = start("encrypt")) {
            // encrypt does not look at the certificate: the mail goes out over the wrapper-mode TLS.
            h.instance("isp").faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
            RelayUnderFaultsTest.send(h.instance("relay"), "encrypt");
            assertThat(h.instance("relay").capture().awaitDeliveries(1, WAIT).get(0).status()).isEqualTo(Status.SENT);
            assertThat(h.instance("isp").capture().awaitMessages(1, WAIT).get(0).tls()).isNotNull();
        }
    }

    @Test
    void anExpiredCertificateDefersAtVerify() throws Exception {
        try (Harness h = start("verify")) {
            Instance relay = h.instance("relay");
            h.instance("isp").faults().onStarttls().certificate(CertificateFlaw.EXPIRED);
            RelayUnderFaultsTest.send(relay, "expired");
            DeliveryAttempt deferred = relay.capture().awaitDeliveries(1, WAIT).get(0);
            assertThat(deferred.status()).isEqualTo(Status.DEFERRED);
            assertThat(deferred.dsn()).isEqualTo("4.7.5");
            assertThat(deferred.reply()).isEqualTo("Server certificate not verified");
        }
    }
}
