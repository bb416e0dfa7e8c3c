package dev.mailrelay.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegexTableTest {
    @TempDir
    Path dir;

    private LookupTable table(String type, String content) throws IOException {
        Files.writeString(dir.resolve("map"), content);
        return Tables.open(type + ":map", dir);
    }

    @Test
    void regexpMatchesLikePostmap() throws IOException {
        // Expectations checked with postmap -q against regexp: (Postfix 3.7.11).
        LookupTable t = table("regexp", "/^(.*)@example\\.com$/\tuser=$1 ${1} $(1) $$ end\n"
                + "/^CASE$/i\tsensitive\n/^case$/\tinsensitive\n/^[]x]$/\tbracket\n/^[\\]$/\tbs-in-bracket\n"
                + "/^a\\(b\\)+$/x\tbre=$1\n/^a{2}$/\tinterval\n/^w\\>/\tword-end\n/^[[:digit:]]+$/\tdigits\n"
                + "/^z/\n  continuation\n");
        assertThat(t.lookup("Joe@EXAMPLE.com")).contains("user=Joe Joe Joe $ end");
        assertThat(t.lookup("CASE")).contains("sensitive");
        assertThat(t.lookup("Case")).contains("insensitive");
        assertThat(t.lookup("]")).contains("bracket");
        assertThat(t.lookup("\\")).contains("bs-in-bracket");
        assertThat(t.lookup("ab+")).contains("bre=b"); // x turns off REG_EXTENDED: '+' is literal
        assertThat(t.lookup("abb")).isEmpty();
        assertThat(t.lookup("aa")).contains("interval");
        assertThat(t.lookup("w z")).contains("word-end");
        assertThat(t.lookup("wz")).isEmpty();
        assertThat(t.lookup("123")).contains("digits");
        assertThat(t.lookup("zz")).contains("continuation");
        assertThat(t.partialAddressKeys()).isFalse();
    }

    @Test
    void ifEndifNegationAndUnmatchedGroups() throws IOException {
        // postmap-confirmed: userx -> x-in-user, bx -> x-outside, b -> b-not-a, ab -> got[a][].
        LookupTable t = table("regexp", "if /^user/\n/x/\tx-in-user\nendif\n/x/\tx-outside\n"
                + "IF !/^a/\n/b/\tb-not-a\nENDIF\n/(a)|(b)/\tgot[$1][$2]\n");
        assertThat(t.lookup("userx")).contains("x-in-user");
        assertThat(t.lookup("bx")).contains("x-outside");
        assertThat(t.lookup("b")).contains("b-not-a");
        assertThat(t.lookup("ab")).contains("got[a][]");
    }

    @Test
    void ifWithoutEndifEndsTheSearchWhenItFails() throws IOException {
        LookupTable t = table("regexp", "if /^a/\n/x/\tinside\n");
        assertThat(t.lookup("ax")).contains("inside");
        assertThat(t.lookup("bx")).isEmpty();
    }

    @Test
    void legacySecondPatternAndOtherDelimiters() throws IOException {
        // postmap-confirmed. ("#" cannot delimit: such a line is a comment.)
        LookupTable t = table("regexp", "/^a/!/b/\ta-without-b\n|^c|\tbar-delimited\n");
        assertThat(t.lookup("ax")).contains("a-without-b");
        assertThat(t.lookup("ab")).isEmpty();
        assertThat(t.lookup("cc")).contains("bar-delimited");
    }

    @Test
    void malformedRulesNameFileAndLine() throws IOException {
        Path file = dir.resolve("map");
        for (String[] bad : new String[][] {
                {"/(unclosed/\tbad\n", "bad regular expression"},
                {"/unterminated\tbad\n", "no closing regexp delimiter \"/\""},
                {"/abc/q\tbad\n", "unknown regexp option \"q\""},
                {"/a$/\t$1\n", "out of range replacement index \"1\""},
                {"!/(a)/\t$1\n", "$number found in negative match replacement text"},
                {"/(a)/\t$0\n", "out-of-range replacement index \"0\""},
                {"/a/\tx$-y\n", "empty macro name"},
                {"/\\d/\tx\n", "unsupported escape \\d"},
                {"endif\n", "ENDIF without IF"},
                {"bogus\n", "unrecognized request"}}) {
            assertThatThrownBy(() -> table("regexp", "# first\n" + bad[0]))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(file + ", line 2: ")
                    .hasMessageContaining(bad[1]);
        }
    }

    @Test
    void pcreUsesJavaSyntaxAndFlags() throws IOException {
        LookupTable t = table("pcre", "/^(\\d+)\\.(?<x>\\w+)$/\tnum=$1 ${2} whole=$0\n/^CASE$/i\tsensitive\n"
                + "/b.c/A\tanchored\nif /^user/\n/x/\tx-in-user\nendif\n");
        assertThat(t.lookup("12.ab")).contains("num=12 ab whole=12.ab");
        assertThat(t.lookup("case")).isEmpty();
        assertThat(t.lookup("CASE")).contains("sensitive");
        assertThat(t.lookup("B\nC")).contains("anchored"); // default flags: caseless, dotall
        assertThat(t.lookup("ab\nc")).isEmpty();
        assertThat(t.lookup("USERx")).contains("x-in-user");
        assertThatThrownBy(() -> table("pcre", "/a/U\tx\n")).hasMessageContaining("ungreedy");
        assertThatThrownBy(() -> table("pcre", "/a(/\tx\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("line 1: bad regular expression");
    }
}
