package dev.mailrelay.xsasl;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailrelay.tables.LookupTable;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Coverage-guided fuzzing of every server mechanism's decoder, through the session API smtpd uses
 * ({@link SaslServer#first}/{@link SaslServer#next} with base64 or raw text): every step ends in MORE,
 * DONE, FAIL or FORM (TEMP only as Cyrus' SASL_FAIL "generic failure", which canon_user gives an
 * empty or blank user name; any other TEMP is an internal error, as there is no saslauthd), nothing
 * throws, and DONE needs the right password or token.
 *
 * <p>Regression inputs: {@code src/test/resources/dev/mailrelay/xsasl/SaslServerFuzzTestInputs/}.
 * Fuzzing: the {@code fuzz} surefire execution (JAZZER_FUZZ=1); see the README's Reliability section.
 */
class SaslServerFuzzTest {

    static final String PASSWORD = "otherpass";
    static final String TOKEN = "tok123";

    static LookupTable table(Map<String, String> map) {
        return new LookupTable() {
            public String spec() { return "fuzz:map"; }
            public Optional<String> lookup(String key) { return Optional.ofNullable(map.get(key)); }
            public boolean partialAddressKeys() { return false; }
        };
    }

    static final LookupTable USERS = table(Map.of("bob", PASSWORD, "bob@example.com", PASSWORD));
    static final LookupTable TOKENS = table(Map.of(TOKEN, "bob"));
    static final CyrusServerImpl IMPL = new CyrusServerImpl(USERS, TOKENS, null, null);
    static final List<String> MECHANISMS = Mechanisms.servers().stream().map(ServerMechanism::name).toList();
    /** Mechanisms whose success the fuzzer may reach by writing the secret itself (found via compare hooks). */
    static final Set<String> CLEARTEXT = Set.of("PLAIN", "LOGIN");
    static final Set<String> BEARER = Set.of("OAUTHBEARER", "XOAUTH2");

    @FuzzTest(maxDuration = "10s")
    void serverSteps(FuzzedDataProvider data) {
        String realm = data.consumeBoolean() ? "example.com" : "";
        SaslServer server = IMPL.newServer(new SaslServerRequest("smtp", "mx.example.com", realm, SecurityOptions.parse(""), false,
                "127.0.0.1"));
        String mechanism = data.consumeBoolean() ? data.pickValue(MECHANISMS) : data.consumeString(24);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        SaslResult r = server.first(mechanism, data.consumeBoolean() ? null : response(data, sent));
        int steps = 0;
        while (r.status() == SaslResult.Status.MORE && steps++ < 8 && data.remainingBytes() > 0) {
            check(r, server, mechanism, sent);
            r = server.next(response(data, sent));
        }
        check(r, server, mechanism, sent);
    }

    /** A client line: base64 of fuzzed bytes (the usual case), or raw text as a broken client sends it. */
    private static String response(FuzzedDataProvider data, ByteArrayOutputStream sent) {
        if (data.consumeBoolean()) {
            String raw = data.consumeString(200);
            sent.writeBytes(raw.getBytes(StandardCharsets.ISO_8859_1));
            try {
                sent.writeBytes(Base64.getDecoder().decode(raw));
            } catch (IllegalArgumentException notBase64) {
                // the server's decoder answers FORM; nothing to remember
            }
            return raw;
        }
        byte[] bytes = data.consumeBytes(data.consumeInt(0, 300));
        sent.writeBytes(bytes);
        return bytes.length == 0 && data.consumeBoolean() ? "=" : Base64.getEncoder().encodeToString(bytes);
    }

    private static void check(SaslResult r, SaslServer server, String mechanism, ByteArrayOutputStream sent) {
        if (r == null || r.status() == null || r.text() == null) {
            throw new AssertionError("incomplete result " + r);
        }
        if (r.status() == SaslResult.Status.TEMP && !r.text().equals("generic failure")) {
            throw new AssertionError("TEMP without saslauthd means an internal error in " + mechanism + ": " + r);
        }
        if (r.status() != SaslResult.Status.DONE) {
            return;
        }
        String m = mechanism.toUpperCase(java.util.Locale.ROOT);
        String user = server.username();
        if (m.equals("ANONYMOUS")) {
            return;
        }
        if (user == null) {
            throw new AssertionError("DONE without a user for " + m);
        }
        String secret = BEARER.contains(m) ? TOKEN : CLEARTEXT.contains(m) ? PASSWORD : null;
        if (secret == null) {
            throw new AssertionError("DONE for challenge-response mechanism " + m + " without a client that knows "
                    + "the password");
        }
        if (!sent.toString(StandardCharsets.ISO_8859_1).contains(secret)) {
            throw new AssertionError("DONE for " + m + " as " + user + " without the secret");
        }
    }
}
