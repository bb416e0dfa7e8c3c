package dev.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Postfix 3.7's macro language (mac_expand) as main.cf values use it. Every expected value and error
 * text here is what Postfix 3.7.11's {@code postconf -c DIR -xh smtpd_banner} prints for
 * {@code smtpd_banner = <expression>} with {@code myhostname = h.example}.
 */
class MacroExpansionTest {

    private static Parameters of(String mainCf) {
        return Parameters.defaults("isp").with(MainCf.parse(mainCf, "main.cf"));
    }

    private static String banner(String expression) {
        return of("myhostname = h.example\nsmtpd_banner = " + expression + "\n").get("smtpd_banner");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "${{x} == {x} ? {yes} : {no}}                           | yes",
        "${{$compatibility_level} <level {1} ? {old} : {new}}   | old",
        "${{$compatibility_level} >=level {0} ? {old} : {new}}  | old",
        "${{3.6} <level {3.10} ? {lt} : {ge}}                   | lt",
        "${{10} < {9} ? {lt} : {ge}}                            | ge",
        "${{abc} < {abd}}                                       | true",
        "${{ 3 } == {3}}                                        | ''",
        "${{3} == {03}}                                         | true",
        "${{x} != {y} : {eq}}                                   | ''",
        "${{x} != {x} : {eq}}                                   | eq",
        "${{} == {}?{e}}                                        | e",
        "${myhostname?{a} : {b}}                                | a",
        "${mail_name:x}x                                        | x",
        "$(myhostname)                                          | h.example",
        "${ myhostname }                                        | h.example",
        "${myhostname?}                                         | ''",
        "${{$myhostname} == {h.example} ? {$mail_name} : {no}}  | Postfix",
    })
    void evaluatesRelationalAndConditionalExpressionsAsPostfix(String expression, String expected) {
        assertThat(banner(expression)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "${{x} =~ {x} ? {a} : {b}} | \"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...x}>>>=~ {x} ? {a} : {b}\"",
        "${{x}}                    | \"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...x}>>>\"",
        "${{x} == x}               | \"{expression}\" expected at: \"...{x} ==>>> x\"",
        "${{x}==}                  | \"{expression}\" expected at: \"...{x} ==>>>\"",
        "${{3.6} <level {three}}   | malformed compatibility level syntax: \"three\"",
        "${{x} ==foo {x}}          | bad operator suffix at: \"...==>>>foo\"",
        "$ foo                     | empty macro name: \"$ foo\"",
        "$myhostname$$foo$         | empty macro name: \"$myhostname$$foo$\"",
        "${x?{a}:{b} junk}         | unexpected input at: \"...b}>>>junk\"",
        "${{x} == {x} junk}        | \"?\" or \":\" expected at: \"...}>>>junk\"",
        "${{x} == {x}              | truncated macro reference: \"${{x} == {x}\"",
        "${a b}                    | attribute name syntax error at: \"...a>>> b\"",
        "${{99999999999999999999} == {1}} | mac_exp_eval: bad conversion: 99999999999999999999",
    })
    void refusesMalformedExpressionsWithPostfixsWords(String expression, String warning) {
        assertThatThrownBy(() -> banner(expression)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.detail()).isEqualTo(warning);
            assertThat(e.parameter()).isEqualTo("smtpd_banner");
            assertThat(e.line()).isEqualTo(2);
        });
    }

    @Test
    void theIssuesExamplesStart() {
        Parameters p = of("""
                use_lists = yes
                message_size_limit = ${{$use_lists} == {yes}?{52428800}:{10240000}}
                smtputf8_enable = ${{$compatibility_level} <level {1}?{no}:{yes}}
                """);
        assertThat(p.longValue("message_size_limit")).isEqualTo(52428800L);
        assertThat(p.bool("smtputf8_enable")).isFalse();
        p.check();
    }

    @Test
    void compatibilityLevelZeroIsPostfixsDefault() {
        Parameters p = of("myhostname = mail.example.org\n");
        assertThat(p.get("compatibility_level")).isEqualTo("0");
        assertThat(p.get("relay_domains")).isEqualTo("mail.example.org, localhost.example.org, localhost");
        assertThat(p.get("smtputf8_enable")).isEqualTo("no");
        assertThat(p.get("append_dot_mydomain")).isEqualTo("yes");
        assertThat(p.get("mynetworks_style")).isEqualTo("subnet");
        assertThat(p.get("smtpd_relay_restrictions")).isEmpty();
        assertThat(p.get("smtpd_relay_before_recipient_restrictions")).isEqualTo("no");
        assertThat(p.legacyDefault("relay_domains", "2")).isTrue();

        Parameters now = of("myhostname = mail.example.org\ncompatibility_level = 3.6\n");
        assertThat(now.get("relay_domains")).isEmpty();
        assertThat(now.get("smtputf8_enable")).isEqualTo("yes");
        assertThat(now.get("smtpd_relay_restrictions"))
                .isEqualTo("permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
        assertThat(now.legacyDefault("relay_domains", "2")).isFalse();
    }

    @Test
    void directoryParametersNameTheInstanceDirectory(@TempDir Path dir) {
        Parameters p = Parameters.defaults("relay", dir).with(MainCf.parse(
                "smtp_sasl_password_maps = hash:${config_directory}/sasl_passwd\n", "main.cf"));
        assertThat(p.get("smtp_sasl_password_maps")).isEqualTo("hash:" + dir.toAbsolutePath() + "/sasl_passwd");
        for (String name : Parameters.DIRECTORIES) {
            assertThat(p.get(name)).as(name).isEqualTo(dir.toAbsolutePath().toString());
        }
        // Postfix's other built-ins keep Debian's values.
        assertThat(p.get("mail_owner")).isEqualTo("postfix");
        assertThat(p.get("daemon_directory")).isEqualTo("/usr/lib/postfix/sbin");
        assertThat(p.get("smtp_tls_session_cache_database")).isEmpty();
        assertThat(Parameters.isKnown("data_directory")).isTrue();
    }

    @Test
    void myoriginNamesAFileAsDebiansPostfixReadsIt(@TempDir Path dir) throws Exception {
        Path mailname = dir.resolve("mailname");
        Files.writeString(mailname, "  example.org  \nignored\n");
        Parameters p = of("myorigin = " + mailname + "\n");
        assertThat(p.get("myorigin")).isEqualTo(mailname.toString());
        assertThat(p.myorigin()).isEqualTo("example.org");
        p.check();

        Files.writeString(mailname, "\n");
        assertThatThrownBy(p::check).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.parameter()).isEqualTo("myorigin");
            assertThat(e.detail()).isEqualTo("myorigin file " + mailname + " is empty");
        });
        Parameters missing = of("myorigin = " + dir.resolve("nothing") + "\n");
        assertThatThrownBy(missing::check).hasMessageContaining("main.cf, line 1: parameter myorigin: "
                + dir.resolve("nothing") + ": No such file or directory");
    }
}
