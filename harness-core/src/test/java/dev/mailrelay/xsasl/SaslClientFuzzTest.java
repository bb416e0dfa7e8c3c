package dev.mailrelay.xsasl;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Base64;
import java.util.List;

/**
 * Coverage-guided fuzzing of the client side of every mechanism ({@link SaslClient}, as the relay's
 * smtp client drives it) with arbitrary server challenges, base64 or not: only
 * {@link SaslClient.SaslClientException} may escape, and no response carries the password in clear
 * except PLAIN's and LOGIN's, which send it by design.
 */
class SaslClientFuzzTest {

    static final String PASSWORD = "s3cret-fuzz-pw";
    static final List<String> MECHANISMS = Mechanisms.clients().stream().map(ClientMechanism::name).toList();

    @FuzzTest(maxDuration = "10s")
    void clientSteps(FuzzedDataProvider data) {
        boolean bearer = data.consumeBoolean();
        String username = data.consumeBoolean() ? "bob" : data.consumeString(40);
        ClientCredentials credentials = bearer ? ClientCredentials.bearerToken(username, PASSWORD.toCharArray())
                : ClientCredentials.password(username, PASSWORD.toCharArray());
        String offered = data.consumeBoolean() ? data.pickValue(MECHANISMS) : data.consumeString(60);
        SaslClient client = new SaslClient(credentials, SecurityOptions.parse(""), "smtp", "mx.example.com");
        SaslClient.Start start;
        try {
            start = client.first(offered);
        } catch (SaslClient.SaslClientException e) {
            return;
        }
        boolean cleartext = List.of("PLAIN", "LOGIN", "OAUTHBEARER", "XOAUTH2").contains(start.mechanism());
        for (int i = 0; i < 6 && data.remainingBytes() > 0; i++) {
            String challenge = data.consumeBoolean() ? data.consumeString(300)
                    : Base64.getEncoder().encodeToString(data.consumeBytes(data.consumeInt(0, 300)));
            String response;
            try {
                response = client.next(challenge);
            } catch (SaslClient.SaslClientException e) {
                return;
            }
            if (response == null) {
                throw new AssertionError("null response");
            }
            if (!cleartext) {
                String decoded = new String(Base64.getDecoder().decode(response), java.nio.charset.StandardCharsets.ISO_8859_1);
                // A user name may hold anything, the password included.
                if (decoded.contains(PASSWORD) && !username.contains(PASSWORD)) {
                    throw new AssertionError(start.mechanism() + " sent the password in clear");
                }
            }
        }
    }
}
