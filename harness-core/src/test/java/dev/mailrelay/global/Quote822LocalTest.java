package dev.mailrelay.global;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** quote_822_local() with cases of Postfix 3.7.11's src/global/quote_822_local.in and smtpd's addresses. */
class Quote822LocalTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            alice@example.com                 | alice@example.com
            quoted user@example.com           | "quoted user"@example.com
            q"x@example.com                   | "q\\"x"@example.com
            a@b@example.com                   | "a@b"@example.com
            .a@example.com                    | ".a"@example.com
            a..b@example.com                  | "a..b"@example.com
            @route.example:a b@example.com    | @route.example:"a b"@example.com
            @example.com                      | ""@example.com
            postmaster                        | postmaster
            üser@example.com                  | üser@example.com
            """)
    void quotesAsPostfix(String internal, String external) {
        assertThat(Quote822Local.quote(internal)).isEqualTo(external.replace("\\\\", "\\"));
    }
}
