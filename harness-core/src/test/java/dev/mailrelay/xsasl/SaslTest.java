package dev.mailrelay.xsasl;

import dev.mailrelay.config.ConfigException;
import dev.mailrelay.tables.LookupTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.RealmCallback;
import javax.security.sasl.Sasl;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslTest {
    static final String FQDN = "mx.example.com";

    static LookupTable table(Map<String, String> map) {
        return new LookupTable() {
            public String spec() { return "test:map"; }
            public Optional<String> lookup(String key) { return Optional.ofNullable(map.get(key)); }
            public boolean partialAddressKeys() { return false; }
        };
    }

    static final LookupTable USERS = table(Map.of("test@example.com", "testpass", "bob", "otherpass", "user", "pencil"));
    static final LookupTable TOKENS = table(Map.of("tok123", "bob"));

    static final SecurityOptions NONE = SecurityOptions.parse("");

    static SaslServer server(String options, String realm) {
        return new CyrusServerImpl(USERS, TOKENS, null, null)
                .newServer(new SaslServerRequest("smtp", FQDN, realm,
                        SecurityOptions.parse(options == null ? SecurityOptions.SERVER_DEFAULT : options), false,
                        "127.0.0.1"));
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
    }

    static byte[] unb64(String s) {
        return Base64.getDecoder().decode(s);
    }

    /** Runs a JDK client against our server. */
    static SaslResult runJdk(javax.security.sasl.SaslClient client, String mech, SaslServer server) throws Exception {
        byte[] initial = client.hasInitialResponse() ? client.evaluateChallenge(new byte[0]) : null;
        SaslResult r = server.first(mech, initial == null ? null : Base64.getEncoder().encodeToString(initial));
        while (r.status() == SaslResult.Status.MORE) {
            byte[] resp = client.isComplete() ? new byte[0] : client.evaluateChallenge(unb64(r.text()));
            r = server.next(Base64.getEncoder().encodeToString(resp == null ? new byte[0] : resp));
        }
        return r;
    }

    static CallbackHandler handler(String user, String password) {
        return callbacks -> {
            for (Callback cb : callbacks) {
                if (cb instanceof NameCallback n) n.setName(user);
                else if (cb instanceof PasswordCallback p) p.setPassword(password.toCharArray());
                else if (cb instanceof RealmCallback r) r.setText(r.getDefaultText());
                else if (cb instanceof AuthorizeCallback a) a.setAuthorized(a.getAuthenticationID().equals(a.getAuthorizationID()));
            }
        };
    }

    @Test
    void advertisesCyrusOrderAfterSecurityOptions() {
        assertThat(server("noanonymous", "").mechanisms()).containsExactly("SCRAM-SHA-512", "SCRAM-SHA-384",
                "SCRAM-SHA-256", "SCRAM-SHA-224", "SCRAM-SHA-1", "DIGEST-MD5", "CRAM-MD5", "PLAIN", "LOGIN",
                "OAUTHBEARER", "XOAUTH2");
        assertThat(server("noplaintext", "").mechanisms()).containsExactly("SCRAM-SHA-512", "SCRAM-SHA-384",
                "SCRAM-SHA-256", "SCRAM-SHA-224", "SCRAM-SHA-1", "DIGEST-MD5", "CRAM-MD5", "ANONYMOUS");
        assertThat(server("noactive, mutual_auth", "").mechanisms()).allMatch(m -> m.startsWith("SCRAM"));
        assertThat(server("forward_secrecy", "").mechanisms()).isEmpty();
        assertThat(new CyrusServerImpl(USERS, null, List.of("plain", "login", "cram-md5"), "!login, static:rest")
                .newServer(new SaslServerRequest("smtp", FQDN, "", SecurityOptions.parse(SecurityOptions.SERVER_DEFAULT), false, "x")).mechanisms())
                .containsExactly("PLAIN", "CRAM-MD5");   // mech_list order, as the reference Cyrus lists them
        assertThatThrownBy(() -> SecurityOptions.parse("noanonymous, bogus"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"bogus\"");
        assertThatThrownBy(() -> new CyrusServerImpl(USERS, null, null, "hash:/etc/postfix/filter"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not supported");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "CRAM-MD5", "DIGEST-MD5"})
    void jdkClientsAuthenticate(String mech) throws Exception {
        SaslServer server = server("noanonymous", "example.com");
        var client = Sasl.createSaslClient(new String[] {mech}, null, "smtp", FQDN, Map.of(), handler("test", "testpass"));
        assertThat(runJdk(client, mech, server).status()).isEqualTo(SaslResult.Status.DONE);
        assertThat(server.username()).isEqualTo("test@example.com");

        var wrong = Sasl.createSaslClient(new String[] {mech}, null, "smtp", FQDN, Map.of(), handler("test", "nope"));
        assertThat(runJdk(wrong, mech, server)).isEqualTo(SaslResult.fail("authentication failure"));
        var unknown = Sasl.createSaslClient(new String[] {mech}, null, "smtp", FQDN, Map.of(), handler("nobody", "x"));
        assertThat(runJdk(unknown, mech, server)).isEqualTo(SaslResult.fail("authentication failure"));
        assertThat(server.username()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "DIGEST-MD5", "CRAM-MD5", "PLAIN", "LOGIN"})
    void ownClientAgainstOwnServer(String mech) throws Exception {
        SaslServer server = server("", "");
        SaslClient client = new SaslClient(ClientCredentials.password("bob", "otherpass".toCharArray()), NONE, "smtp", FQDN);
        SaslClient.Start start = client.first(mech);
        assertThat(start.mechanism()).isEqualTo(mech);
        SaslResult r = server.first(mech, start.initialResponse());
        while (r.status() == SaslResult.Status.MORE) {
            r = server.next(client.next(r.text()));
        }
        assertThat(r.status()).isEqualTo(SaslResult.Status.DONE);
        assertThat(server.username()).isEqualTo("bob");
    }

    @Test
    void oauthMechanisms() throws Exception {
        for (String mech : List.of("OAUTHBEARER", "XOAUTH2")) {
            SaslServer server = server("noanonymous", "");
            SaslClient good = new SaslClient(ClientCredentials.bearerToken("bob", "tok123".toCharArray()), NONE, "smtp", FQDN);
            assertThat(good.first(mech + " PLAIN").mechanism()).isEqualTo(mech);
            assertThat(server.first(mech, good.first(mech).initialResponse()).status()).isEqualTo(SaslResult.Status.DONE);
            assertThat(server.username()).isEqualTo("bob");

            SaslClient bad = new SaslClient(ClientCredentials.bearerToken("bob", "expired".toCharArray()), NONE, "smtp", FQDN);
            SaslResult r = server.first(mech, bad.first(mech).initialResponse());
            assertThat(r.status()).isEqualTo(SaslResult.Status.MORE);
            assertThat(new String(unb64(r.text()), UTF_8)).contains("\"status\"");
            assertThat(server.next(bad.next(r.text()))).isEqualTo(SaslResult.fail("authentication failure"));
        }
    }

    @Test
    void loginChallengesAndInitialUsername() {
        SaslServer server = server("noanonymous", "");
        assertThat(server.first("LOGIN", null)).isEqualTo(SaslResult.more(b64("Username:")));
        assertThat(server.next(b64("bob"))).isEqualTo(SaslResult.more(b64("Password:")));
        assertThat(server.next(b64("otherpass"))).isEqualTo(SaslResult.done());
        assertThat(server.first("LOGIN", b64("bob"))).isEqualTo(SaslResult.more(b64("Password:")));
        assertThat(server.next(b64("otherpass"))).isEqualTo(SaslResult.done());
    }

    @Test
    void malformedInputFailsWithCyrusTexts() {
        SaslServer server = server("noanonymous", "");
        assertThat(server.first("PLAIN", "!!!")).isEqualTo(SaslResult.form("another step is needed in authentication"));
        assertThat(server.first("PLAIN", "=")).isEqualTo(SaslResult.form("another step is needed in authentication"));
        assertThat(server.first("PLAIN", "ab!d")).isEqualTo(SaslResult.form("bad protocol / cancel"));
        assertThat(server.first("PLAIN", "YWJj")).isEqualTo(SaslResult.fail("bad protocol / cancel"));
        assertThat(server.first("PLAIN", b64("other\0bob\0otherpass"))).isEqualTo(SaslResult.fail("authentication failure"));
        assertThat(server.first("ANONYMOUS", b64("trace"))).isEqualTo(SaslResult.fail("no mechanism available"));
        assertThat(server.first("PLAIN", null)).isEqualTo(SaslResult.more(""));
        assertThat(server.next("%%%%")).isEqualTo(SaslResult.form("bad protocol / cancel"));
        assertThat(server.first("CRAM-MD5", null).status()).isEqualTo(SaslResult.Status.MORE);
        assertThat(server.next(b64("bob"))).isEqualTo(SaslResult.fail("bad protocol / cancel"));
        assertThat(server.first("DIGEST-MD5", null).status()).isEqualTo(SaslResult.Status.MORE);
        // Cyrus' DIGEST-MD5 step 2 answers a parse error with SASL_BADAUTH (PostfixFidelityTest checks it).
        assertThat(server.next(b64("username=\"bob"))).isEqualTo(SaslResult.fail("authentication failure"));
        assertThat(server.first("SCRAM-SHA-1", b64("p=tls-unique,,n=bob,r=abc"))).isEqualTo(SaslResult.fail("bad protocol / cancel"));
        assertThat(server.first("SCRAM-SHA-1", b64("n,,n=bob,r=abc")).status()).isEqualTo(SaslResult.Status.MORE);
        assertThat(server.next(b64("c=biws,r=wrongnonce,p=AAAA"))).isEqualTo(SaslResult.fail("bad protocol / cancel"));
        assertThat(server.first("SCRAM-SHA-1", b64("n,,n=nobody,r=abc"))).isEqualTo(SaslResult.fail("authentication failure"));
    }

    @Test
    void scramWrongProofFails() {
        SaslServer server = server("noanonymous", "");
        SaslResult r = server.first("SCRAM-SHA-256", b64("n,,n=bob,r=abc"));
        String nonce = new String(unb64(r.text()), UTF_8).split(",")[0].substring(2);
        assertThat(server.next(b64("c=biws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(new byte[32]))))
                .isEqualTo(SaslResult.fail("authentication failure"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "1|fyko+d2lbbFgONRv9qkxdawL|3rfcNHYJY1ZVvWVs7j|QSXCR+Q6sek8bf92|v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=|rmF9pqV8S7suAoZWja4dJRkFsKQ=",
            "256|rOprNGfwEbeRWgbNEkqO|%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0|W22ZaJ0SNY7soEsUEjb6gQ==|dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=|6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="})
    void rfcScramVectors(String vector) throws Exception {
        String[] v = vector.split("\\|");
        ScramMechanism server = new ScramMechanism(v[0], () -> v[2], 4096);
        ScramMechanism client = new ScramMechanism(v[0], () -> v[1], 4096);
        ServerMechanism.Exchange s = server.newExchange(new ServerContext("smtp", FQDN, "", USERS, null, null, true,
                new ScramSecrets(unb64(v[3]))));
        ClientMechanism.Exchange c = client.newExchange(ClientCredentials.password("user", "pencil".toCharArray()), "smtp", FQDN);
        byte[] serverFirst = s.step(c.initialResponse()).challenge();
        assertThat(new String(serverFirst, UTF_8)).isEqualTo("r=" + v[1] + v[2] + ",s=" + v[3] + ",i=4096");
        byte[] clientFinal = c.evaluate(serverFirst);
        assertThat(new String(clientFinal, UTF_8)).isEqualTo("c=biws,r=" + v[1] + v[2] + ",p=" + v[4]);
        ServerMechanism.Step last = s.step(clientFinal);
        assertThat(last.done()).isTrue();
        assertThat(new String(last.challenge(), UTF_8)).isEqualTo("v=" + v[5]);
        assertThat(c.evaluate(last.challenge())).isEmpty();
    }

    @Test
    void ownDigestClientAgainstJdkServer() throws Exception {
        var jdk = Sasl.createSaslServer("DIGEST-MD5", "smtp", FQDN, Map.of(), handler("bob", "otherpass"));
        SaslClient client = new SaslClient(ClientCredentials.password("bob", "otherpass".toCharArray()), NONE, "smtp", FQDN);
        assertThat(client.first("DIGEST-MD5").initialResponse()).isNull();
        byte[] challenge = jdk.evaluateResponse(new byte[0]);
        byte[] response = unb64(client.next(Base64.getEncoder().encodeToString(challenge)));
        byte[] rspauth = jdk.evaluateResponse(response);
        assertThat(jdk.isComplete()).isTrue();
        assertThat(client.next(Base64.getEncoder().encodeToString(rspauth))).isEmpty();
        assertThat(jdk.getAuthorizationID()).isEqualTo("bob");
    }

    @Test
    void clientChoosesStrongestPermittedMechanism() throws Exception {
        ClientCredentials creds = ClientCredentials.password("bob", "secret".toCharArray());
        SaslClient client = new SaslClient(creds, SecurityOptions.parse(SecurityOptions.CLIENT_DEFAULT), "smtp", FQDN);
        assertThat(client.first("PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 DIGEST-MD5").mechanism()).isEqualTo("SCRAM-SHA-1");
        assertThatThrownBy(() -> client.first("PLAIN LOGIN ANONYMOUS"))
                .isInstanceOf(SaslClient.SaslClientException.class).hasMessage("no mechanism available");
        assertThat(new SaslClient(creds, NONE, "smtp", FQDN).first("LOGIN PLAIN").mechanism()).isEqualTo("PLAIN");
        assertThat(creds.toString()).doesNotContain("secret");
        assertThat(client.toString()).doesNotContain("secret");
    }

    /** Cyrus' ANONYMOUS client as Postfix runs it (no SASL_CB_USER): "anonymous@" and the host name, not the login. */
    @Test
    void anonymousClientTracesAnonymousAtTheHostName() throws Exception {
        ClientCredentials creds = ClientCredentials.password("bob@isp.example", "secret".toCharArray());
        SaslClient.Start start = new SaslClient(creds, NONE, "smtp", FQDN).first("ANONYMOUS");
        assertThat(start.mechanism()).isEqualTo("ANONYMOUS");
        assertThat(new String(unb64(start.initialResponse()), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("anonymous@" + java.net.InetAddress.getLocalHost().getHostName());
    }

    /** sasl_client_step() after the plugin's doneflag: SASL_FAIL, whatever the challenge. */
    @Test
    void aChallengeAfterTheLastClientMessageIsGenericFailure() throws Exception {
        ClientCredentials creds = ClientCredentials.password("bob", "secret".toCharArray());
        SaslClient cram = new SaslClient(creds, NONE, "smtp", FQDN);
        cram.first("CRAM-MD5");
        cram.next(Base64.getEncoder().encodeToString("<1.2@host>".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> cram.next("bm90IGRvbmU=")).hasMessage("generic failure");
        SaslClient plain = new SaslClient(creds, NONE, "smtp", FQDN);
        plain.first("PLAIN");
        assertThatThrownBy(() -> plain.next("")).hasMessage("generic failure");
        // bad base64 fails in the decoding before the step
        assertThatThrownBy(() -> plain.next("%%%")).hasMessage(CyrusStatus.CONTINUE.text());
        SaslClient login = new SaslClient(creds, NONE, "smtp", FQDN);
        login.first("LOGIN");
        assertThat(unb64(login.next(b64("Password:")))).isEqualTo("bob".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(unb64(login.next(b64("Username:")))).isEqualTo("secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> login.next(b64("Password:"))).hasMessage("generic failure");
    }

    @Test
    void parsesCyrusConfig(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("smtpd.conf");
        java.nio.file.Files.writeString(f, "# c\npwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN CRAM-MD5\nsasldb_path: /x\n");
        CyrusConfig c = CyrusConfig.read(f);
        assertThat(c.mechList()).containsExactly("PLAIN", "LOGIN", "CRAM-MD5");
        assertThat(c.pwcheckMethod()).isEqualTo("auxprop");
        assertThat(c.auxpropPlugin()).isEqualTo("sasldb");
    }
}
