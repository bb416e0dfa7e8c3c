package dev.mailrelay.tables;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailrelay.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the lookup-table parsers ({@code inline:}, {@code regexp:},
 * {@code pcre:}, {@code cidr:}, {@code texthash:}) with arbitrary file contents, and of lookups
 * with arbitrary keys: opening may only fail with {@link ConfigException}, a lookup never throws.
 */
class TablesFuzzTest {

    private static final List<String> FILE_TYPES = List.of("regexp", "pcre", "cidr", "texthash");
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("mailrelay-tables-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void removeDir() throws IOException {
        try (var files = Files.list(DIR)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(DIR);
    }

    @FuzzTest(maxDuration = "10s")
    void openAndLookup(FuzzedDataProvider data) throws IOException {
        int type = data.consumeInt(0, FILE_TYPES.size());
        String content = data.consumeString(600);
        LookupTable table;
        try {
            if (type == FILE_TYPES.size()) {
                table = Tables.open("inline:" + content, DIR);
            } else {
                Path file = DIR.resolve("table");
                Files.write(file, content.getBytes(StandardCharsets.UTF_8));
                table = Tables.open(FILE_TYPES.get(type) + ":table", DIR);
            }
        } catch (ConfigException expected) {
            return;
        }
        for (int i = 0; i < 4 && data.remainingBytes() > 0; i++) {
            String key = data.consumeString(80);
            table.lookup(key);
            try {
                AddressLookup.find(List.of(table), key, "+", d -> true);
            } catch (ConfigException documented) {
                // Tables.find(): a table that returns an empty value is a configuration error
            }
        }
    }
}
