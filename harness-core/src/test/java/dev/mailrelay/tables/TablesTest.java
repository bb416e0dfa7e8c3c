package dev.mailrelay.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailrelay.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TablesTest {
    @TempDir
    Path dir;

    private LookupTable table(String spec, String content) throws IOException {
        Files.writeString(dir.resolve("t"), content);
        return Tables.open(spec, dir);
    }

    @Test
    void hashFamilyReadsTheSourceFileLikePostmap() throws IOException {
        // Every expectation below was checked with postmap -q against texthash: and hash:.
        LookupTable t = table("hash:t", "Foo bar\n# comment\n  \nkey value # not comment\n"
                + "cont first\n# comment inside\n  second line\nfoo dup\nnovalue\n"
                + "\"a b\"@x quoted\nk\\ y escaped\nwith  trailing   \n");
        assertThat(t.lookup("FOO")).contains("bar"); // folded, first entry wins
        assertThat(t.lookup("key")).contains("value # not comment");
        assertThat(t.lookup("cont")).contains("first  second line"); // continuation keeps its indent
        assertThat(t.lookup("novalue")).isEmpty();
        assertThat(t.lookup("\"A B\"@X")).contains("quoted"); // key stays in quoted form
        assertThat(t.lookup("k\\ y")).contains("escaped");
        assertThat(t.lookup("with")).contains("trailing");
        assertThat(t.partialAddressKeys()).isTrue();
        assertThat(t.spec()).isEqualTo("hash:t");
    }

    @Test
    void leadingWhitespaceLineIsSkipped() throws IOException {
        // postmap: "logical line must not start with whitespace", then ignores it.
        LookupTable t = table("texthash:t", "  leading ws\nx y\n");
        assertThat(t.lookup("leading")).isEmpty();
        assertThat(t.lookup("x")).contains("y");
    }

    @Test
    void allIndexedTypesReadTheSameSource() throws IOException {
        Files.writeString(dir.resolve("t"), "a b\n");
        for (String type : List.of("hash", "btree", "lmdb", "texthash", "cdb", "dbm")) {
            assertThat(Tables.open(type + ":" + dir.resolve("t"), Path.of("/nonexistent")).lookup("A")).contains("b");
        }
    }

    @Test
    void openErrorsUsePostfixWording() {
        assertThatThrownBy(() -> Tables.open("foo:bar", dir)).isInstanceOf(ConfigException.class)
                .hasMessage("unsupported dictionary type: foo");
        assertThatThrownBy(() -> Tables.open("static:", dir))
                .hasMessageContaining("expecting \"type:name\" form instead of \"static:\"");
        assertThatThrownBy(() -> Tables.open("hash:missing", dir)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve("missing").toString());
    }

    @Test
    void inlineTable() {
        LookupTable t = Tables.open("inline:{ a=b, c=d,{ key2 = value with spaces },A=last }", dir);
        assertThat(t.lookup("a")).contains("last"); // postmap-confirmed: last entry wins, unlike texthash
        assertThat(t.lookup("C")).contains("d");
        assertThat(t.lookup("key2")).contains("value with spaces");
        assertThat(Tables.open("inline:{{a = b=c}}", dir).lookup("a")).contains("b=c");
    }

    @Test
    void inlineSyntaxErrorsMatchPostmap() {
        // postmap-confirmed: "c = d" splits into tokens, so "c" lacks its '='.
        assertThatThrownBy(() -> Tables.open("inline:{ c = d }", dir))
                .hasMessage("missing '=' after attribute name: \"inline:{ c = d }\"; need \"inline:{name=value...}\"");
        assertThatThrownBy(() -> Tables.open("inline:{}", dir)).hasMessageStartingWith("bad syntax");
        assertThatThrownBy(() -> Tables.open("inline:{a=b}x", dir)).hasMessageStartingWith("bad syntax");
    }

    @Test
    void staticTable() {
        assertThat(Tables.open("static:OK", dir).lookup("anything")).contains("OK");
        assertThat(Tables.open("static:{ foo  bar }", dir).lookup("x")).contains("foo  bar");
    }

    @Test
    void openListRespectsBraces() throws IOException {
        Files.writeString(dir.resolve("t"), "k from-hash\n");
        List<LookupTable> maps = Tables.openList("hash:t, inline:{ k=inline, { j = x } }\tstatic:last", dir);
        assertThat(maps).extracting(LookupTable::spec)
                .containsExactly("hash:t", "inline:{ k=inline, { j = x } }", "static:last");
        assertThat(Tables.find(maps, "K")).contains("from-hash");
        assertThat(Tables.find(maps, "other")).contains("last");
    }

    @Test
    void findIgnoresEmptyKeysAndRejectsEmptyResults() {
        assertThat(Tables.find(List.of(Tables.open("static:x", dir)), "")).isEmpty();
        List<LookupTable> maps = List.of(Tables.open("inline:{d=}", dir));
        assertThatThrownBy(() -> Tables.find(maps, "d")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("returns an empty string result");
        assertThat(Tables.find(maps, "e")).isEqualTo(Optional.empty());
    }

    @Test
    void anIndexedFileWithoutItsSourceFailsNamingBoth() throws IOException {
        Path db = dir.resolve("only.db");
        Files.write(db, new byte[] {0, 6, 21, 97});     // a Berkeley DB file mailrelay cannot read
        assertThatThrownBy(() -> Tables.open("hash:only", dir)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("open database " + dir.resolve("only") + ": No such file or directory")
                .hasMessageContaining("has only " + db)
                .hasMessageContaining("keep the source file " + dir.resolve("only") + " next to it");
        Files.write(dir.resolve("only.lmdb"), new byte[] {1});
        assertThatThrownBy(() -> Tables.open("lmdb:only", dir)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("has only " + dir.resolve("only.lmdb"));
    }

    @Test
    void theSourceIsReadWithOrWithoutAnIndexedFile() throws IOException {
        Path source = Files.writeString(dir.resolve("access"), "a@example.com OK\n");
        assertThat(Tables.open("hash:access", dir).lookup("a@example.com")).contains("OK");    // warns: no access.db
        Path db = Files.write(dir.resolve("access.db"), new byte[] {0});
        Files.setLastModifiedTime(db, java.nio.file.attribute.FileTime.fromMillis(1_000_000L));
        Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(2_000_000L));
        // Postfix warns that access.db is older than its source (and uses it); mailrelay reads the source.
        assertThat(Tables.open("btree:access", dir).lookup("a@example.com")).contains("OK");
        assertThat(Tables.open("texthash:access", dir).lookup("a@example.com")).contains("OK");
    }
}
