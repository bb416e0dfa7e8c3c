package dev.mailrelay.robust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No instance configured as the seeds configure Postfix (SASL_README's server, SOHO_README's relay,
 * and the harness defaults) relays for an unauthenticated client from outside mynetworks (127.0.0.2),
 * and a failed or aborted AUTH never grants relay; a successful one does.
 */
@Timeout(60)
class OpenRelayTest {

    static final String SASL_README = """
            myhostname = mail.example.com
            mydestination = $myhostname, example.com
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_security_options = noanonymous
            smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
            mailrelay_sasl_users = inline:{ alice@example.com=Relay-Pw }
            default_transport = discard
            """;
    static final String SASL_README_RECIPIENT = """
            myhostname = mail.example.com
            mydestination = $myhostname, example.com
            smtpd_sasl_auth_enable = yes
            smtpd_relay_restrictions =
            smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
            mailrelay_sasl_users = inline:{ alice@example.com=Relay-Pw }
            default_transport = discard
            """;
    static final String SOHO = """
            myhostname = relay.box.local
            relayhost = [mail.isp.example]:submission
            smtp_sasl_auth_enable = yes
            smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=alice:x }
            smtpd_sasl_auth_enable = yes
            mailrelay_sasl_users = inline:{ alice@example.com=Relay-Pw }
            default_transport = discard
            """;
    static final String DEFAULTS = """
            myhostname = plain.example.com
            smtpd_sasl_auth_enable = yes
            mailrelay_sasl_users = inline:{ alice@example.com=Relay-Pw }
            default_transport = discard
            """;

    @ParameterizedTest
    @ValueSource(strings = {"SASL_README", "SASL_README_RECIPIENT", "SOHO", "DEFAULTS"})
    void noRelayForOutsiders(String seed) throws Exception {
        String mainCf = switch (seed) {
            case "SASL_README" -> SASL_README;
            case "SASL_README_RECIPIENT" -> SASL_README_RECIPIENT;
            case "SOHO" -> SOHO;
            default -> DEFAULTS;
        };
        try (Harness h = Harness.start(List.of(InstanceConfig.named("seed").mainCf(mainCf + "smtpd_error_sleep_time = 0\n")
                .masterCf("smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd")), true)) {
            Instance i = h.instance("seed");
            for (String service : List.of("smtp", "submission")) {
                int port = i.port(service);
                String[] outside = {"friend@elsewhere.example", "a@b.example", "x%y@elsewhere.example",
                        "\"x@y\"@elsewhere.example", "user@[10.1.2.3]", "victim@elsewhere.example."};
                try (RawClient c = new RawClient(port, "127.0.0.2", 15_000)) {
                    c.send("EHLO outside.example");
                    assertThat(c.sendLast("MAIL FROM:<spam@outside.example>")).startsWith("250");
                    for (String rcpt : outside) {
                        assertThat(c.sendLast("RCPT TO:<" + rcpt + ">")).as(seed + " " + rcpt).matches("^[45]\\d\\d .*");
                    }
                    // Failed, aborted and malformed AUTH grant nothing.
                    assertThat(c.sendLast("RSET")).startsWith("250");
                    assertThat(c.sendLast("AUTH PLAIN " + b64("\0alice@example.com\0wrong"))).startsWith("535");
                    assertThat(c.sendLast("AUTH LOGIN")).startsWith("334");
                    assertThat(c.sendLast("*")).startsWith("501");
                    assertThat(c.sendLast("AUTH PLAIN " + b64("alice@example.com\0alice@example.com\0wrong")))
                            .startsWith("535");
                    assertThat(c.sendLast("AUTH PLAIN " + b64("admin\0alice@example.com\0Relay-Pw")))
                            .startsWith("535");
                    assertThat(c.sendLast("MAIL FROM:<spam@outside.example>")).startsWith("250");
                    for (String rcpt : outside) {
                        assertThat(c.sendLast("RCPT TO:<" + rcpt + ">")).as(seed + " after failed AUTH " + rcpt)
                                .matches("^[45]\\d\\d .*");
                    }
                    assertThat(c.sendLast("DATA")).startsWith("554");
                    // The right password does.
                    assertThat(c.sendLast("RSET")).startsWith("250");
                    assertThat(c.sendLast("AUTH PLAIN " + b64("\0alice@example.com\0Relay-Pw")))
                            .isEqualTo("235 2.7.0 Authentication successful");
                    assertThat(c.sendLast("MAIL FROM:<alice@example.com>")).startsWith("250");
                    assertThat(c.sendLast("RCPT TO:<friend@elsewhere.example>")).startsWith("250");
                }
            }
            assertThat(i.capture().messages()).isEmpty();
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
