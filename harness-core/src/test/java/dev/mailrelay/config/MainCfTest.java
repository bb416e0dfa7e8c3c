package dev.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MainCfTest {

    @Test
    void readsAssignmentsContinuationLinesAndComments() {
        List<Parameter> p = MainCf.parse("""
                # a comment
                smtpd_sasl_auth_enable = yes

                smtpd_recipient_restrictions =
                    permit_mynetworks
                  # a comment line inside a continuation does not end it
                    permit_sasl_authenticated
                    reject_unauth_destination
                relayhost=[mail.isp.example]:submission
                smtpd_banner = $myhostname ESMTP # not a comment
                """, "main.cf");
        assertThat(p).extracting(Parameter::name).containsExactly("smtpd_sasl_auth_enable",
                "smtpd_recipient_restrictions", "relayhost", "smtpd_banner");
        assertThat(p.get(1).value())
                .isEqualTo("permit_mynetworks    permit_sasl_authenticated    reject_unauth_destination");
        assertThat(p.get(1).line()).isEqualTo(4);
        assertThat(p.get(2).value()).isEqualTo("[mail.isp.example]:submission");
        assertThat(p.get(3).value()).isEqualTo("$myhostname ESMTP # not a comment");
    }

    @Test
    void missingEqualsNamesFileLineAndName() {
        assertThatThrownBy(() -> MainCf.parse("a = b\nrelayhost mail.example\n", "/etc/postfix/main.cf"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("/etc/postfix/main.cf, line 2: missing '=' after attribute name: \"relayhost mail.example\"");
    }

    @Test
    void textThatContinuesNothingIsSkipped() {
        // readllines() warns "logical line must not start with whitespace" and drops it.
        assertThat(MainCf.parse("  stray\nrelayhost = x\n", "main.cf")).extracting(Parameter::name)
                .containsExactly("relayhost");
    }
}
