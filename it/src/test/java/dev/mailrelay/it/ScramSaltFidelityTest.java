package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SCRAM salt and iteration count a real Postfix 3.7 + Cyrus 2.1.28 (sasldb users made by
 * {@code saslpasswd2}, which keeps the cleartext {@code userPassword} and no {@code authPassword})
 * hands out, beside the harness's: Cyrus' plugins/scram.c salts such a user's password with
 * {@code Hi(username, g_salt_key, 20)}, a key drawn once when the plugin starts, so one server gives a
 * user the same {@code s=} (as long as the hash) and {@code i=4096} on every authentication, a
 * different one to another user or hash. {@link PostfixFidelityTest} masks challenges; this compares
 * their shape and stability.
 */
class ScramSaltFidelityTest {
    private static final String ALICE = "alice@example.com";
    private static final String BOB = "bob@example.com";

    @TempDir
    static Path temp;
    private static PostfixTwin twin;

    @BeforeAll
    static void start() {
        twin = PostfixTwin.start(temp, PostfixFidelityTest.MAIN_CF, Map.of("main", ""),
                Map.of(ALICE, "secret", BOB, "bobpw"), "SCRAM-SHA-1 SCRAM-SHA-256");
    }

    @AfterAll
    static void stop() {
        if (twin != null) {
            twin.close();
        }
    }

    /** The {@code s=} and {@code i=} of a server-first message. */
    record SaltAndCount(String salt, String iterations) {
        int saltLength() {
            return Base64.getDecoder().decode(salt).length;
        }
    }

    /**
     * On one connection (one smtpd process for Postfix): each {@code (user, mechanism)} in turn, twice,
     * each exchange cancelled with {@code *} after the server-first message.
     */
    private static List<SaltAndCount> salts(int port, String... userMechanismPairs) {
        List<SaltAndCount> out = new ArrayList<>();
        try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
            d.greeting();
            d.send("EHLO c");
            for (int i = 0; i < userMechanismPairs.length; i += 2) {
                String clientFirst = "n,,n=" + userMechanismPairs[i] + ",r=fyko+d2lbbFgONRv9qkxdawL";
                List<String> reply = d.send("AUTH " + userMechanismPairs[i + 1] + " " + SmtpDialog.b64(clientFirst));
                assertThat(reply.get(0)).startsWith("334 ");
                String serverFirst = new String(Base64.getDecoder().decode(reply.get(0).substring(4).strip()),
                        StandardCharsets.UTF_8);
                String[] parts = serverFirst.split(",");
                assertThat(parts[1]).startsWith("s=");
                assertThat(parts[2]).startsWith("i=");
                out.add(new SaltAndCount(parts[1].substring(2), parts[2].substring(2)));
                assertThat(d.send("*").get(0)).startsWith("501 ");
            }
        }
        return out;
    }

    @Test
    void aUsersSaltAndIterationCountAreStableAndShapedAsCyrusMakesThem() {
        String[] script = {ALICE, "SCRAM-SHA-1", ALICE, "SCRAM-SHA-1", ALICE, "SCRAM-SHA-256", BOB, "SCRAM-SHA-256",
            ALICE, "SCRAM-SHA-256"};
        for (int port : new int[] {twin.postfixPort("main"), twin.harnessPort("main")}) {
            List<SaltAndCount> s = salts(port, script);
            String who = port == twin.postfixPort("main") ? "Postfix" : "harness";
            assertThat(s).as(who).extracting(SaltAndCount::iterations).containsOnly("4096");
            assertThat(s.get(1).salt()).as(who + ": SHA-1 salt again").isEqualTo(s.get(0).salt());
            assertThat(s.get(4).salt()).as(who + ": SHA-256 salt again").isEqualTo(s.get(2).salt());
            assertThat(s.get(2).salt()).as(who + ": salt per hash").isNotEqualTo(s.get(0).salt());
            assertThat(s.get(3).salt()).as(who + ": salt per user").isNotEqualTo(s.get(2).salt());
            assertThat(s.get(0).saltLength()).as(who + ": SHA-1 salt length").isEqualTo(20);
            assertThat(s.get(2).saltLength()).as(who + ": SHA-256 salt length").isEqualTo(32);
        }
        // Across connections: Postfix's next session usually lands on the same idle smtpd (same key), but
        // may land on another; the harness is one process, so its salt is the same on every connection.
        int harness = twin.harnessPort("main");
        assertThat(salts(harness, ALICE, "SCRAM-SHA-256")).isEqualTo(salts(harness, ALICE, "SCRAM-SHA-256"));
    }
}
