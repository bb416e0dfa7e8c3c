package dev.mailrelay.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.ParameterKind;
import dev.mailrelay.config.Parameters;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Every parameter mailrelay implements is checked when an instance starts: for each one (the list
 * comes from the code, {@link Parameters#implementedNames()}), a malformed value of its kind fails the
 * start with a {@link ConfigException} naming that parameter, its file and its line. A parameter
 * added later without a kind, or with a kind nobody checks, fails this test.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EveryParameterCheckedTest {

    /**
     * A configuration that builds every component that reads parameters: the SASL server, STARTTLS,
     * the SMTP client with SASL and TLS towards a relayhost, the queue manager and cleanup.
     */
    private static final String BASE = """
            myhostname = mail.relay.example
            smtpd_sasl_auth_enable = yes
            mailrelay_sasl_users = inline:{ alice=secret }
            smtpd_tls_security_level = may
            smtp_tls_security_level = may
            smtp_sasl_auth_enable = yes
            smtp_sasl_password_maps = inline:{ [mail.isp.example]:587=alice:secret }
            relayhost = [mail.isp.example]:587
            """;
    private static final int MALFORMED_LINE = (int) BASE.lines().count() + 1;

    /** The parameters whose every value is well-formed: text Postfix takes as it is. Keep it short. */
    private static final List<String> FREE_TEXT = List.of("mail_name", "mail_version", "smtpd_banner",
            "smtp_helo_name", "recipient_delimiter", "empty_address_relayhost_maps_lookup_key",
            "smtpd_sasl_service", "smtpd_sasl_path", "smtpd_sasl_local_domain", "smtpd_discard_ehlo_keywords",
            "mailrelay_queue_directory");

    @Test
    void theBaseConfigurationStarts() {
        Harness.start(List.of(config(BASE)), true).close();
    }

    @TestFactory
    Stream<DynamicTest> aMalformedValueOfEveryImplementedParameterFailsTheStart() {
        return Parameters.implementedNames().stream()
                .filter(name -> Parameters.kind(name).malformedExample().isPresent())
                .map(name -> {
                    String value = Parameters.kind(name).malformedExample().orElseThrow();
                    return dynamicTest(name + " = " + value, () -> assertThatThrownBy(
                            () -> Harness.start(List.of(config(BASE + name + " = " + value + "\n")), true).close())
                            .isInstanceOfSatisfying(ConfigException.class, e -> {
                                assertThat(e.parameter()).as(e.getMessage()).isEqualTo(name);
                                assertThat(e.source()).as(e.getMessage()).isEqualTo("t main.cf text");
                                assertThat(e.line()).as(e.getMessage()).isEqualTo(MALFORMED_LINE);
                            }));
                });
    }

    @Test
    void everyImplementedParameterHasAKind() {
        assertThat(Parameters.implementedNames()).allSatisfy(name -> assertThat(Parameters.kind(name)).isNotNull());
    }

    @Test
    void freeTextParametersAreFewAndNamed() {
        assertThat(Parameters.freeText()).containsExactlyInAnyOrderElementsOf(FREE_TEXT);
        FREE_TEXT.forEach(name -> assertThat(Parameters.kind(name)).isSameAs(ParameterKind.TEXT));
    }

    @TestFactory
    Stream<DynamicTest> aMasterCfOverrideIsCheckedForItsService() {
        return Stream.of("smtpd_sasl_security_options", "smtpd_sasl_tls_security_options", "relay_domains_reject_code",
                        "smtpd_recipient_restrictions", "smtpd_tls_protocols", "smtpd_timeout", "mynetworks")
                .map(name -> {
                    String value = Parameters.kind(name).malformedExample().orElseThrow().replace(" ", "");
                    return dynamicTest(name, () -> assertThatThrownBy(() -> Harness.start(List.of(
                            InstanceConfig.named("t").mainCf(BASE).masterCf("""
                                    smtp inet n - n - - smtpd
                                    submission inet n - n - - smtpd
                                      -o %s=%s
                                    """.formatted(name, value))), true).close())
                            .isInstanceOfSatisfying(ConfigException.class, e -> {
                                assertThat(e.parameter()).as(e.getMessage()).isEqualTo(name);
                                assertThat(e.source()).isEqualTo("t master.cf text");
                                assertThat(e.line()).isEqualTo(2);
                            }));
                });
    }

    private static InstanceConfig config(String mainCf) {
        return InstanceConfig.named("t").mainCf(mainCf).masterCf("smtp inet n - n - - smtpd");
    }
}
