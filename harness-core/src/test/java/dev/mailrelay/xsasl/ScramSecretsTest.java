package dev.mailrelay.xsasl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.tables.LookupTable;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A SCRAM user's salt as Cyrus 2.1.28 gives a sasldb user ({@code userPassword}): the same {@code s=}
 * and {@code i=4096} on every authentication with one server, as long as the hash, another for
 * another user, hash or server; a password changed in the table is followed at once.
 */
class ScramSecretsTest {
    private static final String FQDN = "mx.example.com";

    private final Map<String, String> passwords = new HashMap<>(Map.of("bob", "otherpass", "carol", "carolpass"));
    private final LookupTable users = SaslTest.table(passwords);

    private static SaslServer session(CyrusServerImpl impl) {
        return impl.newServer(new SaslServerRequest("smtp", FQDN, "", SecurityOptions.parse(""), false, "127.0.0.1"));
    }

    /** {@code s=} and {@code i=} of the server-first message, after which the exchange is left. */
    private static String saltAndCount(CyrusServerImpl impl, String mechanism, String user) {
        SaslResult r = session(impl).first(mechanism, SaslTest.b64("n,,n=" + user + ",r=abc"));
        assertThat(r.status()).isEqualTo(SaslResult.Status.MORE);
        String serverFirst = new String(SaslTest.unb64(r.text()), UTF_8);
        return serverFirst.substring(serverFirst.indexOf(",s=") + 1);
    }

    /** A full exchange by the harness's own client; the result. */
    private static SaslResult login(CyrusServerImpl impl, String mechanism, String user, String password)
            throws Exception {
        return login(impl, mechanism, ClientCredentials.password(user, password.toCharArray()));
    }

    private static SaslResult login(CyrusServerImpl impl, String mechanism, ClientCredentials credentials)
            throws Exception {
        SaslServer server = session(impl);
        SaslClient client = new SaslClient(credentials, SaslTest.NONE, "smtp", FQDN);
        SaslResult r = server.first(mechanism, client.first(mechanism).initialResponse());
        while (r.status() == SaslResult.Status.MORE) {
            try {
                r = server.next(client.next(r.text()));
            } catch (SaslClient.SaslClientException e) {
                r = server.next("*");
            }
        }
        return r;
    }

    @Test
    void aUsersSaltIsStableForTheServersLife() throws Exception {
        CyrusServerImpl impl = new CyrusServerImpl(users, null, null, null);
        String bob1 = saltAndCount(impl, "SCRAM-SHA-256", "bob");
        assertThat(login(impl, "SCRAM-SHA-256", "bob", "otherpass").status()).isEqualTo(SaslResult.Status.DONE);
        assertThat(saltAndCount(impl, "SCRAM-SHA-256", "bob")).isEqualTo(bob1).endsWith(",i=4096");
        assertThat(SaslTest.unb64(bob1.substring(2, bob1.indexOf(',')))).hasSize(32);
        String sha1 = saltAndCount(impl, "SCRAM-SHA-1", "bob");
        assertThat(SaslTest.unb64(sha1.substring(2, sha1.indexOf(',')))).hasSize(20);
        assertThat(sha1).isNotEqualTo(bob1);
        assertThat(saltAndCount(impl, "SCRAM-SHA-256", "carol")).isNotEqualTo(bob1);
        // Another server (another smtpd process for Postfix) draws its own salt key.
        assertThat(saltAndCount(new CyrusServerImpl(users, null, null, null), "SCRAM-SHA-256", "bob"))
                .isNotEqualTo(bob1);
    }

    @Test
    void aChangedPasswordIsFollowedAndTheSaltStays() throws Exception {
        CyrusServerImpl impl = new CyrusServerImpl(users, null, null, null);
        String before = saltAndCount(impl, "SCRAM-SHA-1", "bob");
        assertThat(login(impl, "SCRAM-SHA-1", "bob", "wrong").status()).isEqualTo(SaslResult.Status.FAIL);
        assertThat(login(impl, "SCRAM-SHA-1", "bob", "otherpass").status()).isEqualTo(SaslResult.Status.DONE);
        passwords.put("bob", "newpass");
        assertThat(login(impl, "SCRAM-SHA-1", "bob", "otherpass").status()).isEqualTo(SaslResult.Status.FAIL);
        assertThat(login(impl, "SCRAM-SHA-1", "bob", "newpass").status()).isEqualTo(SaslResult.Status.DONE);
        assertThat(saltAndCount(impl, "SCRAM-SHA-1", "bob")).isEqualTo(before);
        passwords.remove("bob");
        assertThat(login(impl, "SCRAM-SHA-1", "bob", "newpass"))
                .isEqualTo(SaslResult.fail("authentication failure"));
    }

    @Test
    void aClientDerivesOnceForAServersStableSalt() throws Exception {
        CyrusServerImpl impl = new CyrusServerImpl(users, null, null, null);
        ScramSecrets shared = new ScramSecrets();
        assertThat(login(impl, "SCRAM-SHA-512", ClientCredentials.password("bob", "otherpass".toCharArray(), shared))
                .status()).isEqualTo(SaslResult.Status.DONE);
        assertThat(shared).hasToString("ScramSecrets[entries=1]");
        assertThat(login(impl, "SCRAM-SHA-512", ClientCredentials.password("bob", "otherpass".toCharArray(), shared))
                .status()).isEqualTo(SaslResult.Status.DONE);
        assertThat(shared).hasToString("ScramSecrets[entries=1]");   // the same salt: no new SaltedPassword
        // A wrong password is derived anew (and fails), and the right one after it again.
        assertThat(login(impl, "SCRAM-SHA-512", ClientCredentials.password("bob", "wrong".toCharArray(), shared))
                .status()).isEqualTo(SaslResult.Status.FAIL);
        assertThat(login(impl, "SCRAM-SHA-512", ClientCredentials.password("bob", "otherpass".toCharArray(), shared))
                .status()).isEqualTo(SaslResult.Status.DONE);
        // Another server, another salt: another SaltedPassword.
        assertThat(login(new CyrusServerImpl(users, null, null, null), "SCRAM-SHA-512",
                ClientCredentials.password("bob", "otherpass".toCharArray(), shared)).status())
                .isEqualTo(SaslResult.Status.DONE);
        assertThat(shared).hasToString("ScramSecrets[entries=2]");
    }

    @Test
    void clientSaltedPasswordsAreReusedForTheSameSaltAndPassword() {
        ScramSecrets secrets = new ScramSecrets();
        ScramMechanism sha1 = ScramMechanism.sha1();
        byte[] salt = SaslTest.unb64("QSXCR+Q6sek8bf92");
        byte[] first = secrets.clientSaltedPassword(sha1, "user", salt, 4096, "pencil".toCharArray());
        assertThat(secrets.clientSaltedPassword(sha1, "user", salt, 4096, "pencil".toCharArray())).isSameAs(first);
        assertThat(secrets.clientSaltedPassword(sha1, "user", salt, 4097, "pencil".toCharArray())).isNotEqualTo(first);
        assertThat(secrets.clientSaltedPassword(sha1, "user", SaslTest.unb64("QSXCR+Q6sek8bf93"), 4096,
                "pencil".toCharArray())).isNotEqualTo(first);
        assertThat(secrets.clientSaltedPassword(sha1, "user", salt, 4096, "pen".toCharArray())).isNotEqualTo(first);
        byte[] again = secrets.clientSaltedPassword(sha1, "user", salt, 4096, "pencil".toCharArray());
        assertThat(again).isEqualTo(first);
        assertThat(secrets.toString()).doesNotContain("pencil", SaslBytes.encode(first));
        secrets.forget();
        assertThat(again).containsOnly(0);
        assertThat(secrets).hasToString("ScramSecrets[entries=0]");
    }

    @Test
    void keysAreReusedAndNeverShown() {
        ScramSecrets secrets = new ScramSecrets();
        ScramMechanism sha256 = ScramMechanism.sha256();
        ScramSecrets.Keys first = secrets.serverKeys(sha256, "bob", "otherpass".toCharArray());
        assertThat(secrets.serverKeys(sha256, "bob", "otherpass".toCharArray())).isSameAs(first);
        assertThat(secrets.serverKeys(sha256, "bob", "changed".toCharArray())).isNotSameAs(first);
        assertThat(secrets + " " + first).doesNotContain("otherpass", SaslBytes.encode(first.storedKey()),
                SaslBytes.encode(first.serverKey()), SaslBytes.encode(first.salt()));
    }
}
