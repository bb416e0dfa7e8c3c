package dev.mailrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void aFileThatIsNotUtf8IsReadAsPostfixReadsBytesAndKeepsItsLineNumbers(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("myhostname = mail.example\n# caf".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xe9);   // Latin-1 e-acute: not UTF-8
        bytes.writeBytes("\nsmtpd_banner = $myhostname caf".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xe9);
        bytes.writeBytes(" \u00fcber\nsmtpd_timeout = 3x\n".getBytes(StandardCharsets.UTF_8));
        Path mainCf = dir.resolve("main.cf");
        Files.write(mainCf, bytes.toByteArray());

        Parameters p = Parameters.defaults("isp").with(MainCf.read(mainCf));
        // The stray byte stands for itself (ISO-8859-1); valid UTF-8 beside it is still UTF-8.
        assertThat(p.get("smtpd_banner")).isEqualTo("mail.example caf\u00e9 \u00fcber");
        assertThatThrownBy(() -> p.time("smtpd_timeout")).isInstanceOf(ConfigException.class)
                .hasMessage(mainCf + ", line 4: parameter smtpd_timeout: bad time value or unit: 3x");
        byte[] masterCf = "# caf\u00e9\nsmtp inet n - n - - smtpd\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(MasterCf.read(Files.write(dir.resolve("master.cf"), masterCf)))
                .extracting(Service::name, Service::line).containsExactly(org.assertj.core.groups.Tuple.tuple("smtp", 2));
    }

    @Test
    void aMainCfThatIsNoRegularFileIsAnErrorNamingIt(@TempDir Path dir) {
        assertThatThrownBy(() -> MainCf.read(dir)).isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": cannot read: not a regular file");
        assertThatThrownBy(() -> MainCf.read(dir.resolve("missing.cf"))).isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("missing.cf") + ": cannot read: No such file or directory");
    }
}
