package dev.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MasterCfTest {

    @Test
    void readsServicesAndOverridesAsInTheSeeds() {
        List<Service> services = MasterCf.parse("""
                # service type  private unpriv  chroot  wakeup  maxproc command + args
                smtp      inet  n       -       y       -       -       smtpd
                submission inet n       -       n       -       -       smtpd
                  -o syslog_name=postfix/submission
                  -o smtpd_sasl_auth_enable=yes
                  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
                  -o { smtpd_banner = $myhostname ESMTP submission }
                127.0.0.1:2525 inet n - n - - smtpd
                pickup    unix  n       -       y       60      1       pickup
                """, "master.cf");
        assertThat(services).hasSize(4);
        Service submission = services.get(1);
        assertThat(submission.isSmtpdListener()).isTrue();
        assertThat(submission.port()).isEqualTo(587);
        assertThat(submission.line()).isEqualTo(3);
        assertThat(submission.overrides()).extracting(Parameter::name).containsExactly("syslog_name",
                "smtpd_sasl_auth_enable", "smtpd_relay_restrictions", "smtpd_banner");
        assertThat(submission.overrides().get(2).value()).isEqualTo("permit_sasl_authenticated,reject");
        assertThat(submission.overrides().get(3).value()).isEqualTo("$myhostname ESMTP submission");
        assertThat(services.get(0).port()).isEqualTo(25);
        assertThat(services.get(2).host()).isEqualTo("127.0.0.1");
        assertThat(services.get(2).port()).isEqualTo(2525);
        assertThat(services.get(3).isSmtpdListener()).isFalse();
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> MasterCf.parse("smtp inet n - y\n", "master.cf"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("master.cf, line 1: bad master.cf entry");
        assertThatThrownBy(() -> MasterCf.parse("smtp inet n - n - - smtpd\nbogus inet n - n - - smtpd\n", "master.cf")
                .get(1).port()).hasMessage("master.cf, line 2: unknown service: bogus/tcp");
    }
}
