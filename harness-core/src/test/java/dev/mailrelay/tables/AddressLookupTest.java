package dev.mailrelay.tables;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressLookupTest {
    @TempDir
    Path dir;

    private static final Predicate<String> LOCAL = d -> d.equalsIgnoreCase("local.example");
    private static final Predicate<String> NONE = d -> false;

    private static LookupTable inline(String entries) {
        return InlineTable.open("inline:{" + entries + "}");
    }

    @Test
    void searchOrderFullThenStrippedThenLocalpartThenAtDomain() {
        LookupTable t = inline("joe+x@local.example=full, joe@local.example=stripped, joe+x=local-full,"
                + "joe=local-bare, @local.example=domain");
        assertThat(AddressLookup.find(t, "joe+x@local.example", "+", LOCAL)).contains("full");
        assertThat(AddressLookup.find(t, "joe+y@local.example", "+", LOCAL)).contains("stripped");
        assertThat(AddressLookup.find(t, "joe+y@LOCAL.example", "+", LOCAL)).contains("stripped");
        LookupTable local = inline("joe+x=local-full, joe=local-bare, @local.example=domain");
        assertThat(AddressLookup.find(local, "joe+x@local.example", "+", LOCAL)).contains("local-full");
        assertThat(AddressLookup.find(local, "joe+y@local.example", "+", LOCAL)).contains("local-bare");
        assertThat(AddressLookup.find(local, "ann@local.example", "+", LOCAL)).contains("domain");
    }

    @Test
    void localpartOnlyForLocalDomains() {
        LookupTable t = inline("joe=local-bare, @remote.example=domain");
        assertThat(AddressLookup.find(t, "joe@remote.example", "+", NONE)).contains("domain");
        assertThat(AddressLookup.find(t, "joe@other.example", "+", NONE)).isEmpty();
        assertThat(AddressLookup.find(t, "joe+x", "+", NONE)).contains("local-bare");
    }

    @Test
    void eachStepSearchesAllTablesFirst() {
        List<LookupTable> maps = List.of(inline("@local.example=first-table-domain"),
                inline("joe@local.example=second-table-address"));
        assertThat(AddressLookup.find(maps, "joe@local.example", "+", LOCAL)).contains("second-table-address");
    }

    @Test
    void patternTablesSeeOnlyTheFullAddress() throws IOException {
        Files.writeString(dir.resolve("re"), "/^joe@/\tfull-only\n/^@/\tpartial\n/^joe$/\tpartial\n");
        LookupTable re = Tables.open("regexp:re", dir);
        assertThat(AddressLookup.find(re, "joe@local.example", "+", LOCAL)).contains("full-only");
        assertThat(AddressLookup.find(re, "ann@local.example", "+", LOCAL)).isEmpty();
        assertThat(AddressLookup.find(re, "joe+x@local.example", "+", LOCAL)).isEmpty(); // no joe@ retry
    }

    @Test
    void delimiterRulesFollowSplitAddr() {
        LookupTable t = inline("joe@d=stripped, owner-list@d=owner, postmaster@d=pm, -x@d=empty-user");
        assertThat(AddressLookup.find(t, "joe-x@d", "+-", NONE)).contains("stripped"); // any delimiter char
        assertThat(AddressLookup.find(t, "joe+x-y@d", "-+", NONE)).contains("stripped");
        assertThat(AddressLookup.find(t, "joe+x@d", "", NONE)).isEmpty();
        assertThat(AddressLookup.stripExtension("owner-list@d", "-")).isNull();
        assertThat(AddressLookup.stripExtension("list-request@d", "-")).isNull();
        assertThat(AddressLookup.stripExtension("list-request@d", "+")).isNull();
        assertThat(AddressLookup.stripExtension("a+request@d", "+")).isEqualTo("a@d");
        assertThat(AddressLookup.stripExtension("MAILER-DAEMON@d", "-")).isNull();
        assertThat(AddressLookup.stripExtension("postmaster+x@d", "+")).isEqualTo("postmaster@d");
        assertThat(AddressLookup.stripExtension("+x@d", "+")).isNull();
    }

    @Test
    void nullAddressFindsNothing() {
        assertThat(AddressLookup.find(inline("a=b"), "", "+", LOCAL)).isEmpty();
        assertThat(AddressLookup.find(StaticTable.open("static:x"), "", "+", LOCAL)).isEmpty();
    }
}
