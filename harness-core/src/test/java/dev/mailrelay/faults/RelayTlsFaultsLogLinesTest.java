package dev.mailrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.LogLines;
import dev.mailrelay.capture.DeliveryAttempt.Status;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.tls.CertificateFlaw;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay's log says why it did not verify the ISP's certificate, apart from the status text
 * ("Server certificate not verified"), in tls_verify.c's words.
 */
@Timeout(60)
class RelayTlsFaultsLogLinesTest {

    @Test
    void anExpiredCertificateIsNamedInTheLog() throws Exception {
        LogLines log = LogLines.mark();
        try (Harness h = Harness.start(List.of(RelayUnderFaultsTest.isp("isp", "mail.isp.example"),
                RelayUnderFaultsTest.relay("[mail.isp.example]:submission", "smtp_tls_security_level = verify")),
                true)) {
            Instance relay = h.instance("relay");
            h.instance("isp").faults().onStarttls().certificate(CertificateFlaw.EXPIRED);
            RelayUnderFaultsTest.send(relay, "expired");
            assertThat(relay.capture().awaitDeliveries(1, Duration.ofSeconds(20)).get(0).status())
                    .isEqualTo(Status.DEFERRED);
        }
        assertThat(log.messages()).contains("relay/smtp: server certificate verification failed for "
                + "mail.isp.example[127.0.0.1]:587: certificate has expired");
    }
}
