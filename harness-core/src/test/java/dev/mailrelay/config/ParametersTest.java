package dev.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParametersTest {

    private static Parameters of(String mainCf) {
        return Parameters.defaults("isp").with(MainCf.parse(mainCf, "main.cf"));
    }

    @Test
    void postfixDefaultsDependOnMyhostname() {
        Parameters p = of("myhostname = mail.isp.example\ncompatibility_level = 3.6\n");
        assertThat(p.get("mydomain")).isEqualTo("isp.example");
        assertThat(p.get("myorigin")).isEqualTo("mail.isp.example");
        assertThat(p.get("mydestination")).isEqualTo("mail.isp.example, localhost.isp.example, localhost");
        assertThat(p.get("smtpd_banner")).isEqualTo("mail.isp.example ESMTP Postfix");
        assertThat(p.list("smtpd_relay_restrictions"))
                .containsExactly("permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination");
        assertThat(p.longValue("message_size_limit")).isEqualTo(10240000L);
        assertThat(p.time("smtpd_timeout")).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void certificateMatchTakesStrategiesAndLiteralDomains() {
        // smtp(8): hostname, nexthop, dot-nexthop, or a domain matched literally (.domain: below it).
        of("smtp_tls_secure_cert_match = nexthop, mail.example.com, .example.net\n").check();
        assertThatThrownBy(() -> of("smtp_tls_verify_cert_match = hostname, bad..name\n").check())
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtp_tls_verify_cert_match")
                .hasMessageContaining("bad..name");
    }

    @Test
    void instanceNameGivesTheDefaultHostname() {
        Parameters p = Parameters.defaults("relay");
        assertThat(p.get("myhostname")).isEqualTo("relay.localdomain");
        assertThat(p.get("mydomain")).isEqualTo("localdomain");
    }

    @Test
    void mynetworksFollowsMynetworksStyle() {
        assertThat(of("mynetworks_style = host\n").get("mynetworks")).isEqualTo("127.0.0.1/32 [::1]/128");
        assertThat(of("mynetworks_style = subnet\n").get("mynetworks")).isEqualTo("127.0.0.0/8 [::1]/128");
        // Postfix's default style depends on compatibility_level: subnet below 2, host from 2 on.
        assertThat(of("").get("mynetworks")).isEqualTo("127.0.0.0/8 [::1]/128");
        assertThat(of("compatibility_level = 3.6\n").get("mynetworks")).isEqualTo("127.0.0.1/32 [::1]/128");
    }

    @Test
    void expandsAllMacroForms() {
        Parameters p = of("""
                a = alpha
                empty =
                plain = $a-${a}-$(a)
                ifset = ${a?set}${empty?never}
                ifunset = ${empty:fallback}${a:never}
                both = ${a?{yes}:{no}} ${empty?{yes}:{no}}
                dollar = $$a
                nested = $plain
                """);
        assertThat(p.get("plain")).isEqualTo("alpha-alpha-alpha");
        assertThat(p.get("ifset")).isEqualTo("set");
        assertThat(p.get("ifunset")).isEqualTo("fallback");
        assertThat(p.get("both")).isEqualTo("yes no");
        assertThat(p.get("dollar")).isEqualTo("$a");
        assertThat(p.get("nested")).isEqualTo("alpha-alpha-alpha");
        assertThat(p.raw("nested")).isEqualTo("$plain");
    }

    @Test
    void laterAssignmentsWin() {
        Parameters p = of("relayhost = a\nrelayhost = b\n")
                .with(List.of(Parameter.of("relayhost", "c", "master.cf")));
        assertThat(p.get("relayhost")).isEqualTo("c");
    }

    @Test
    void recursiveExpansionIsAnErrorNamingTheParameter() {
        assertThatThrownBy(() -> of("a = $b\nb = $a\n").get("a"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unreasonable macro call nesting");
    }

    @Test
    void typedReadsNameFileLineAndParameter() {
        Parameters p = of("myhostname = x\nsmtpd_timeout = 3x\nsmtpd_sasl_auth_enable = maybe\nmessage_size_limit = big\n");
        assertThatThrownBy(() -> p.time("smtpd_timeout")).isInstanceOf(ConfigException.class)
                .hasMessage("main.cf, line 2: parameter smtpd_timeout: bad time value or unit: 3x");
        assertThatThrownBy(() -> p.bool("smtpd_sasl_auth_enable"))
                .hasMessage("main.cf, line 3: parameter smtpd_sasl_auth_enable: "
                        + "bad boolean configuration: smtpd_sasl_auth_enable = maybe");
        assertThatThrownBy(() -> p.longValue("message_size_limit"))
                .hasMessageContaining("line 4").hasMessageContaining("bad numerical configuration");
    }

    @Test
    void timeUnits() {
        Parameters p = of("a = 10m\nb = 2h\nc = 1w\nd = 45\n");
        assertThat(p.time("a")).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.time("b")).isEqualTo(Duration.ofHours(2));
        assertThat(p.time("c")).isEqualTo(Duration.ofDays(7));
        assertThat(p.time("d")).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void listsKeepBraceGroupsWhole() {
        assertThat(Parameters.split("hash:/a, inline:{ a=b, c=d }  regexp:/c"))
                .containsExactly("hash:/a", "inline:{ a=b, c=d }", "regexp:/c");
    }

    @Test
    void unknownParametersAreWarningsUnlessReferenced() {
        Parameters p = of("""
                smtpd_sasl_auth_enable = yes
                my_typo_parameter = 1
                mua_restrictions = permit_sasl_authenticated, reject
                smtpd_client_restrictions = $mua_restrictions
                biff = no
                """);
        assertThat(p.warnings(List.of())).containsExactly("main.cf, line 2: unused parameter: my_typo_parameter=1");
        assertThat(p.notImplemented(List.of())).hasSize(1).allSatisfy((param, changesMail) -> {
            assertThat(param.name()).isEqualTo("biff");
            assertThat(changesMail).isFalse();
        });
    }

    @Test
    void parametersThatMasterCfOverridesUseAreNotUnused() {
        Parameters p = of("""
                mua_client_restrictions = permit_sasl_authenticated, reject
                submission_tls = encrypt
                header_checks = regexp:/etc/postfix/header_checks
                """);
        assertThat(p.warnings(List.of())).hasSize(2);
        assertThat(p.warnings(MasterCf.parse("""
                submission inet n - y - - smtpd
                  -o smtpd_client_restrictions=$mua_client_restrictions
                  -o smtpd_tls_security_level=${submission_tls}
                """, "master.cf"))).isEmpty();
        // header_checks rejects mail in production: not implemented, and said to matter.
        assertThat(p.notImplemented(List.of())).hasSize(1).allSatisfy((param, changesMail) -> {
            assertThat(param.name()).isEqualTo("header_checks");
            assertThat(changesMail).isTrue();
        });
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void anExponentialExpansionFailsFastNamingTheParameter() {
        StringBuilder mainCf = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            mainCf.append("p").append(i).append(" = $p").append(i + 1).append("$p").append(i + 1).append('\n');
        }
        mainCf.append("p40 = x\nsmtpd_banner = $p0\n");
        Parameters p = of(mainCf.toString());
        assertThatThrownBy(() -> p.get("smtpd_banner")).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.parameter()).isEqualTo("smtpd_banner");
            assertThat(e.line()).isEqualTo(42);
            assertThat(e).hasMessageContaining("expands to more than 1048576 characters or references");
        });
        // Empty values grow nothing but would still take 2^40 steps.
        Parameters empty = of(mainCf.toString().replace("p40 = x", "p40 ="));
        assertThatThrownBy(empty::check).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.parameter()).isEqualTo("smtpd_banner"));
        // A large value that is not exponential is fine.
        assertThat(of("smtpd_banner = " + "x".repeat(100_000) + " $myhostname").get("smtpd_banner")).hasSize(100_016);
    }
}
