package dev.mailrelay.xsasl;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a SASL client authenticates with: a user name plus either a password (PLAIN, LOGIN, CRAM-MD5,
 * DIGEST-MD5, SCRAM) or an OAuth 2.0 bearer token (XOAUTH2, OAUTHBEARER). The secret is copied in and
 * can be wiped with {@link #destroy()}; {@link #toString()} never shows it. SCRAM's SaltedPassword is
 * kept in a {@link ScramSecrets}, the credentials' own or one shared by the logins of a long-lived
 * client (the relay's smtp client), so a server whose salt stays the same costs one PBKDF2.
 *
 * <pre>{@code
 * ClientCredentials creds = ClientCredentials.password("test@example.com", "testpass".toCharArray());
 * ClientCredentials again = ClientCredentials.password("relay-user", password, relayScramSecrets);
 * }</pre>
 */
public final class ClientCredentials {
    private final String username;
    private final char[] password;
    private final char[] bearerToken;
    private final ScramSecrets scramSecrets;
    /** Whether {@link #destroy()} wipes {@link #scramSecrets} too: not when shared. */
    private final boolean ownScramSecrets;

    private ClientCredentials(String username, char[] password, char[] bearerToken, ScramSecrets shared) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = password;
        this.bearerToken = bearerToken;
        this.ownScramSecrets = shared == null;
        this.scramSecrets = shared == null ? new ScramSecrets() : shared;
    }

    public static ClientCredentials password(String username, char[] password) {
        return new ClientCredentials(username, password.clone(), null, null);
    }

    /**
     * With SCRAM's SaltedPassword kept in {@code scramSecrets}, shared by other logins (and not wiped
     * by {@link #destroy()}).
     */
    public static ClientCredentials password(String username, char[] password, ScramSecrets scramSecrets) {
        return new ClientCredentials(username, password.clone(), null, Objects.requireNonNull(scramSecrets));
    }

    public static ClientCredentials bearerToken(String username, char[] token) {
        return new ClientCredentials(username, null, token.clone(), null);
    }

    ScramSecrets scramSecrets() {
        return scramSecrets;
    }

    public String username() {
        return username;
    }

    boolean hasPassword() {
        return password != null;
    }

    boolean hasBearerToken() {
        return bearerToken != null;
    }

    /** A copy of the password the caller must clear. */
    char[] passwordCopy() {
        return password.clone();
    }

    /** A copy of the token the caller must clear. */
    char[] bearerTokenCopy() {
        return bearerToken.clone();
    }

    /** Overwrites the secret (and SCRAM's SaltedPassword, unless shared). */
    public void destroy() {
        if (ownScramSecrets) {
            scramSecrets.forget();
        }
        if (password != null) {
            Arrays.fill(password, '\0');
        }
        if (bearerToken != null) {
            Arrays.fill(bearerToken, '\0');
        }
    }

    @Override
    public String toString() {
        return "ClientCredentials[username=" + username + ", " + (password != null ? "password" : "bearer token")
                + "=(hidden)]";
    }
}
