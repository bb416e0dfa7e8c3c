package dev.mailrelay.global;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tok822 against Postfix's own test vectors: src/global/tok822_parse.in and tok822_parse.ref of
 * Postfix 3.7.11 (the parse tree as tok822_print() shows it, one line per token, and the
 * internalized form), and cases smtpd's extract_addr() meets.
 */
class Tok822Test {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            wietse@porcupine.org | address[atom "wietse",OP "@",atom "porcupine",OP ".",atom "org"] | wietse@porcupine.org
            "wietse venema"@porcupine.org | address[quoted string "wietse venema",OP "@",atom "porcupine",OP ".",atom "org"] | wietse venema@porcupine.org
            wietse @ porcupine.org | address[atom "wietse",OP "@",atom "porcupine",OP ".",atom "org"] | wietse@porcupine.org
            "wietse venema"@porcupine.org ("wietse ) venema") | address[quoted string "wietse venema",OP "@",atom "porcupine",OP ".",atom "org"],OP ",",address[atom "venema"],comment "("wietse )",OP ",",address[quoted string ")"] | wietse venema@porcupine.org, venema ("wietse ), )
            "wietse venema" <wietse@porcupine.org> | quoted string "wietse venema",OP "<",address[atom "wietse",OP "@",atom "porcupine",OP ".",atom "org"],OP ">" | wietse venema <wietse@porcupine.org>
            "wietse venema"@porcupine.org ( ("wietse ) venema") ) | address[quoted string "wietse venema",OP "@",atom "porcupine",OP ".",atom "org",OP ")"],comment "( ("wietse ) venema")" | wietse venema@porcupine.org) ( ("wietse ) venema")
            wietse\\ venema@porcupine.org | address[quoted string "wietse venema",OP "@",atom "porcupine",OP ".",atom "org"] | wietse venema@porcupine.org
            "wietse venema | address[quoted string "wietse venema"] | wietse venema
            wietse@[stuff | address[atom "wietse",OP "@",domain literal "stuff"] | wietse@[stuff]
            wietse@["stuff] | address[atom "wietse",OP "@",domain literal ""stuff"] | wietse@["stuff]
            named group: foo@bar, baz@barf; | atom "named",atom "group",group ":",address[atom "foo",OP "@",atom "bar"],OP ",",address[atom "baz",OP "@",atom "barf"],OP ";" | named group: foo@bar, baz@barf;
            <a@example.com> | OP "<",address[atom "a",OP "@",atom "example",OP ".",atom "com"],OP ">" | <a@example.com>
            alice(comment)@example.com | address[atom "alice",OP "@",atom "example",OP ".",atom "com"],comment "(comment)" | alice@example.com (comment)
            a b@example.com | address[atom "a"],OP ",",address[atom "b",OP "@",atom "example",OP ".",atom "com"] | a, b@example.com
            """)
    void parsesAsPostfix(String input, String tree, String internalized) {
        Tok822 list = Tok822.parse(input.replace("\\\\", "\\"));
        assertThat(print(list)).isEqualTo(tree);
        assertThat(list.internalize()).isEqualTo(internalized);
    }

    @org.junit.jupiter.api.Test
    void noTokensNoTree() {
        assertThat(Tok822.parse("   ")).isNull();
        assertThat(Tok822.parse("\0a@b")).isNull();
    }

    /** tok822_print(), one level per bracket pair, tokens separated by commas. */
    private static String print(Tok822 list) {
        StringBuilder b = new StringBuilder();
        for (Tok822 tp = list; tp != null; tp = tp.next()) {
            if (b.length() > 0) {
                b.append(',');
            }
            if (tp.type() == Tok822.ADDR) {
                b.append("address[").append(print(tp.head())).append(']');
            } else if (tp.type() == Tok822.STARTGRP) {
                b.append("group \":\"");
            } else if (tp.type() < 256) {
                b.append("OP \"").append((char) tp.type()).append('"');
            } else {
                String kind = switch (tp.type()) {
                    case Tok822.COMMENT -> "comment";
                    case Tok822.ATOM -> "atom";
                    case Tok822.QSTRING -> "quoted string";
                    default -> "domain literal";
                };
                b.append(kind).append(" \"").append(tp.text()).append('"');
            }
        }
        return b.toString();
    }
}
