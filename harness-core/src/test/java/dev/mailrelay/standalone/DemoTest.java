package dev.mailrelay.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code --demo}: the quick start's default topology, TLS on both hops. */
class DemoTest {

    @Test
    void theApplicationSubmitsWithStarttlsAndTheRelayRelaysOverTlsWithSasl() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Demo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(out).isZero();
        assertThat(out).contains("relay=mail.isp.example[127.0.0.1]:587, tls=TLSv1.3 ")
                .contains("sasl_username=alice@isp.example").contains("status=sent")
                .contains("subject: Hello through an authenticated relay")
                // Both hops encrypted: the relay received with ESMTPS, the ISP with ESMTPSA.
                .contains("with ESMTPSA id ");
    }
}
