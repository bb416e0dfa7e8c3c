package dev.mailrelay.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * smtpd_token() (cases of Postfix 3.7.11's src/smtpd/smtpd_token.ref) and extract_addr() with the
 * addresses a private Postfix 3.7.11 accepted or refused (it PostfixFidelityTest's dialogs).
 */
class SmtpdAddressTest {

    private static List<String> tokens(String line) {
        return SmtpdToken.tokenize(line).stream().map(t -> t.value() + (t.error() ? "(error)" : "")).toList();
    }

    @Test
    void tokenizesAsSmtpdToken() {
        assertThat(tokens("mail from:<wietse@porcupine.org>")).containsExactly("mail", "from:", "<wietse@porcupine.org>");
        assertThat(tokens("mail from:<\"wietse venema\"@porcupine.org>"))
                .containsExactly("mail", "from:", "<\"wietse venema\"@porcupine.org>");
        assertThat(tokens("mail from:<\"wietse venema\" <wietse@porcupine.org>>"))
                .containsExactly("mail", "from:", "<\"wietse venema\" <wietse@porcupine.org>>");
        assertThat(tokens("mail from:<\"wietse\\\"venema\"@porcupine.org>"))
                .containsExactly("mail", "from:", "<\"wietse\\\"venema\"@porcupine.org>");
        assertThat(tokens("mail from:<wietse@porcupine.org")).containsExactly("mail", "from:", "<wietse@porcupine.org(error)");
        assertThat(tokens("  FROM:  <a> SIZE=1\tBODY=7BIT ")).containsExactly("FROM:", "<a>", "SIZE=1", "BODY=7BIT");
        assertThat(tokens("FROM :<a>")).containsExactly("FROM", ":<a>");
        assertThat(tokens("FROM:<a>x ENVID=\"a b\"")).containsExactly("FROM:", "<a>x", "ENVID=\"a b\"");
        assertThat(tokens("a\\ b")).containsExactly("a\\ b");
        assertThat(tokens("")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            <@example.com>                                   | @example.com
            < alice@example.com >                            | alice@example.com
            <<a@example.com>>                                | a@example.com
            <@a.example,@b.example:user@example.com>         | user@example.com
            <"quoted user"@example.com>                      | quoted user@example.com
            <alice(comment)@example.com>                     | alice@example.com
            <Alice <alice@example.com>>                      | alice@example.com
            <alice @ example . com>                          | alice@example.com
            <group: a@example.com;>                          | a@example.com
            <alice@example.com>(trailing)                    | alice@example.com
            alice@example.com>                               | alice@example.com
            <a@[127.0.0.1>                                   | a@[127.0.0.1]
            <(only a comment)>                               | ''
            <>                                               | ''
            <@:>                                             | ''
            """)
    void extractsAsPostfix(String token, String internal) throws Exception {
        assertThat(SmtpdAddress.extract(token, false)).isEqualTo(internal);
    }

    @Test
    void refusesAsPostfix() {
        for (String token : List.of("<a b@example.com>", "<a,b@example.com>", "<alice@example.com>x")) {
            assertThatThrownBy(() -> SmtpdAddress.extract(token, false)).as(token).isInstanceOf(SmtpdAddress.BadAddress.class);
        }
        // strict_rfc821_envelopes: in <>, nothing but the address, not starting with @
        for (String token : List.of("<@example.com>", "<alice(comment)@example.com>", "<alice@example.com (Alice)>",
                "postmaster")) {
            assertThatThrownBy(() -> SmtpdAddress.extract(token, true)).as(token).isInstanceOf(SmtpdAddress.BadAddress.class);
        }
    }

    @Test
    void strictAcceptsBlanksAndNestedBrackets() throws Exception {
        assertThat(SmtpdAddress.extract("< alice@example.com >", true)).isEqualTo("alice@example.com");
        assertThat(SmtpdAddress.extract("<<a@example.com>>", true)).isEqualTo("a@example.com");
        assertThat(SmtpdAddress.extract("<@a.example,@b.example:user@example.com>", true)).isEqualTo("user@example.com");
    }

    @Test
    void resolvesAsTrivialRewrite() {
        java.util.function.Predicate<String> local = d -> d.equalsIgnoreCase("example.com");
        assertThat(SmtpdAddress.resolvable("@example.com", false, local)).isTrue();
        assertThat(SmtpdAddress.resolvable("a@b@example.com", false, local)).isTrue();
        assertThat(SmtpdAddress.resolvable("user@example.com.", false, local)).isTrue();
        assertThat(SmtpdAddress.resolvable("user@example.com..", false, local)).isFalse();
        assertThat(SmtpdAddress.resolvable("user@", false, local)).isFalse();
        assertThat(SmtpdAddress.resolvable("@", false, local)).isFalse();
        assertThat(SmtpdAddress.resolvable("a@@example.com", false, local)).isFalse();
        assertThat(SmtpdAddress.resolvable("postmaster", false, local)).isTrue();
        assertThat(SmtpdAddress.resolvable("<a@example.com> x", false, local)).isFalse();
        // the domain the relay check sees (found by SmtpdDifferentialFuzzTest)
        assertThat(SmtpdAddress.resolve("a@b@example.com", true, local)).isEqualTo("a@b");
        assertThat(SmtpdAddress.resolve("a!", true, local)).isEqualTo("@a");
        assertThat(SmtpdAddress.resolve("u%remote.example@example.com", true, local)).isEqualTo("u@remote.example");
        assertThat(SmtpdAddress.resolve("u%remote.example@example.com", false, local)).isEqualTo("u%remote.example@example.com");
        assertThat(SmtpdAddress.resolve("postmaster", true, local)).isEqualTo("postmaster");   // "<a@example.com> x"
    }

    @Test
    void parsesMailArguments() throws Exception {
        SmtpdAddress.Parsed p = SmtpdAddress.parse("FROM:<a@example.com>  SIZE=10 ENVID=\"a b\"", "FROM:", false);
        assertThat(p.address()).isEqualTo("a@example.com");
        assertThat(p.parameters()).containsExactly("SIZE=10", "ENVID=\"a b\"");
        assertThatThrownBy(() -> SmtpdAddress.parse("FROM:", "FROM:", false))
                .isInstanceOfSatisfying(SmtpdAddress.BadAddress.class, e -> assertThat(e.syntaxOnly).isTrue());
        assertThatThrownBy(() -> SmtpdAddress.parse("FROM:<\"a@example.com>", "FROM:", false))
                .isInstanceOfSatisfying(SmtpdAddress.BadAddress.class, e -> assertThat(e.syntaxOnly).isFalse());
    }
}
