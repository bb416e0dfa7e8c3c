package dev.mailrelay.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CidrTableTest {
    @TempDir
    Path dir;

    private LookupTable table(String content) throws IOException {
        Files.writeString(dir.resolve("c"), content);
        return Tables.open("cidr:c", dir);
    }

    @Test
    void matchesLikePostmap() throws IOException {
        // Expectations checked with postmap -q against cidr: (Postfix 3.7.11).
        LookupTable t = table("192.168.1.1\texact\n10.0.0.0/8\tten\n[2001:db8::]/32\tv6-net\n[::1]\tv6-loop\n"
                + "::ffff:1.2.3.4\tmapped\nif 172.16.0.0/12\n172.16.5.0/24\tinner\nendif\n"
                + "!192.168.0.0/16\tnot-192-168\n0.0.0.0/0\tany4\n");
        assertThat(t.lookup("192.168.1.1")).contains("exact");
        assertThat(t.lookup("10.1.2.3")).contains("ten");
        assertThat(t.lookup("2001:DB8:0::5")).contains("v6-net");
        assertThat(t.lookup("::1")).contains("v6-loop");
        assertThat(t.lookup("::ffff:1.2.3.4")).contains("mapped");
        assertThat(t.lookup("1.2.3.4")).contains("not-192-168"); // mapped rule is IPv6 only
        assertThat(t.lookup("172.16.5.9")).contains("inner");
        assertThat(t.lookup("192.168.2.2")).contains("any4");
        assertThat(t.lookup("2001:db9::1")).isEmpty(); // negation never matches the other family
        for (String notAnAddress : new String[] {"[::1]", "foo", "010.1.2.3", "1.2.3", " 10.1.1.1"}) {
            assertThat(t.lookup(notAnAddress)).as(notAnAddress).isEmpty();
        }
        assertThat(t.partialAddressKeys()).isFalse();
    }

    @Test
    void malformedRulesNameFileAndLine() throws IOException {
        Path file = dir.resolve("c");
        for (String[] bad : new String[][] {
                {"10.0.0.1/8\tx\n", "non-null host address bits in \"10.0.0.1/8\""},
                {"300.1.1.1\tx\n", "bad address pattern: \"300.1.1.1\""},
                {"1.2.3.4\n", "no lookup result"},
                {"1.2.3.0/33 x\n", "bad mask length"},
                {"1.2.3.0/x x\n", "bad mask value"},
                {"[1.2.3.4\tx\n", "missing ']'"},
                {"endif\n", "ENDIF without IF"}}) {
            assertThatThrownBy(() -> table("# first\n" + bad[0])).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(file + ", line 2: ").hasMessageContaining(bad[1]);
        }
    }
}
