package dev.mailrelay.maven;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigurationsTest {

    @Test
    void mainCfTextLosesTheXmlIndentationButKeepsContinuationLines() {
        // As Maven hands it over: the first line trimmed, the others indented with the XML.
        String pom = "myhostname = mail.isp.example\n"
                + "        smtpd_recipient_restrictions =\n"
                + "            permit_mynetworks\n"
                + "            reject_unauth_destination\n"
                + "        # a comment\n"
                + "      ";
        assertThat(Configurations.stripIndent(pom)).isEqualTo("""
                myhostname = mail.isp.example
                smtpd_recipient_restrictions =
                    permit_mynetworks
                    reject_unauth_destination
                # a comment
                """);
    }

    @Test
    void oneParameterWithContinuationLinesStaysOneParameter() {
        String pom = "smtpd_recipient_restrictions =\n            permit_mynetworks\n            reject_unauth_destination\n";
        assertThat(Configurations.stripIndent(pom)).isEqualTo(
                "smtpd_recipient_restrictions =\n            permit_mynetworks\n            reject_unauth_destination\n");
    }

    @Test
    void masterCfTextLosesTheXmlIndentationButKeepsItsOptionLines() {
        // Two services, the second with an -o line, as written inside <masterCf>.
        String pom = "smtp inet n - n - - smtpd\n"
                + "        submission inet n - n - - smtpd\n"
                + "          -o smtpd_tls_auth_only=yes\n"
                + "      ";
        assertThat(Configurations.stripIndent(pom, Configurations.MASTER_CF_ENTRY)).isEqualTo("""
                smtp inet n - n - - smtpd
                submission inet n - n - - smtpd
                  -o smtpd_tls_auth_only=yes
                """);
    }
}
