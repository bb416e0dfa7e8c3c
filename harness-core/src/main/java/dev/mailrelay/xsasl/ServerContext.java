package dev.mailrelay.xsasl;

import dev.mailrelay.capture.Maillog;
import dev.mailrelay.tables.LookupTable;

import java.util.Optional;

/**
 * What a server mechanism may know about its session and where it finds credentials.
 *
 * <pre>{@code
 * ServerContext ctx = new ServerContext("smtp", "mx.example.com", "", users, null);
 * ctx.canonical(" test");   // "test"; with userRealm "example.com": "test@example.com"
 * }</pre>
 *
 * @param service     SASL service name ({@code smtp}), checked in DIGEST-MD5's digest-uri
 * @param serverFqdn  {@code myhostname}
 * @param userRealm   {@code smtpd_sasl_local_domain}, empty for none
 * @param users       login -> password ({@code mailrelay_sasl_users})
 * @param oauthTokens bearer token -> login ({@code mailrelay_sasl_oauth_tokens}), or {@code null}
 * @param saslauthd   {@code pwcheck_method: saslauthd}: plaintext passwords (PLAIN, LOGIN) are checked
 *                    by saslauthd, or {@code null}
 * @param auxprop     whether {@code auxprop} (the {@code users} table) checks plaintext passwords too
 *                    (after saslauthd, when both are listed); always {@code true} without saslauthd
 * @param scramSecrets the SCRAM salts and keys of the server's users, one per server (as Cyrus' per process)
 */
public record ServerContext(String service, String serverFqdn, String userRealm,
                            LookupTable users, LookupTable oauthTokens,
                            SaslauthdClient saslauthd, boolean auxprop, ScramSecrets scramSecrets) {
    private static final org.slf4j.Logger LOG = Maillog.logger(ServerContext.class);

    /** A context whose passwords all come from the {@code users} table (Cyrus auxprop/sasldb). */
    public ServerContext(String service, String serverFqdn, String userRealm,
                         LookupTable users, LookupTable oauthTokens) {
        this(service, serverFqdn, userRealm, users, oauthTokens, null, true, new ScramSecrets());
    }

    /**
     * The canonical user name, as Cyrus 2.1.28's internal canon_user plugin ({@code _canonuser_internal()})
     * makes it: leading and trailing white space is stripped, and the user realm is appended to a login
     * without '@' when one is configured. An empty login is SASL_FAIL ("All-whitespace username.", which
     * Postfix answers with 454 4.7.0); Cyrus' test compares the start of the stripped name with the
     * stripped length, so it also fails a name whose leading white space is as long as the rest (" a"),
     * and passes a name of white space only (which then names no user).
     */
    public String canonical(String login) throws SaslFailure {
        int begin = 0;
        while (begin < login.length() && cSpace(login.charAt(begin))) {
            begin++;
        }
        int end = login.length();
        while (end > begin && cSpace(login.charAt(end - 1))) {
            end--;
        }
        String stripped = login.substring(begin, end);
        if (begin == stripped.getBytes(java.nio.charset.StandardCharsets.UTF_8).length) {
            throw CyrusStatus.FAIL.failure();
        }
        return login.indexOf('@') < 0 && userRealm != null && !userRealm.isEmpty()
                ? stripped + "@" + userRealm : stripped;
    }

    /** C's isspace() in the C locale. */
    private static boolean cSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** The password of a canonical user as a fresh array the caller must clear; NOUSER when unknown. */
    char[] password(String canonicalUser) throws SaslFailure {
        Optional<String> password = users.lookup(canonicalUser);
        if (password.isEmpty()) {
            throw CyrusStatus.NOUSER.failure();
        }
        return password.get().toCharArray();
    }

    /**
     * Checks a password (Cyrus' checkpass: saslauthd, then auxprop); BADAUTH when the user is unknown or
     * the password wrong. Clears {@code given}.
     */
    void verifyPassword(String canonicalUser, char[] given) throws SaslFailure {
        if (saslauthd != null) {
            try {
                if (saslauthd.verify(canonicalUser, given, service, userRealm)) {
                    SaslBytes.clear(given);
                    return;
                }
            } catch (java.io.IOException e) {
                // Cyrus: "cannot connect to saslauthd server: ..." and SASL_FAIL, which Postfix answers with 454
                LOG.warn("SASL authentication failure: {}", e.getMessage());
                if (!auxprop) {
                    SaslBytes.clear(given);
                    throw CyrusStatus.FAIL.failure();
                }
            }
            if (!auxprop) {
                SaslBytes.clear(given);
                throw CyrusStatus.BADAUTH.failure();
            }
        }
        char[] expected = null;
        try {
            // Cyrus' auxprop_verify_password() canonicalizes the canonical name once more, as a C string
            // (up to a NUL): a name of white space only, stripped to nothing by the first pass, or one
            // that starts with NUL (LOGIN keeps the bytes after it) is SASL_FAIL here.
            int nul = canonicalUser.indexOf('\0');
            expected = password(canonical(nul < 0 ? canonicalUser : canonicalUser.substring(0, nul)));
            if (!SaslBytes.secretEquals(expected, given)) {
                throw CyrusStatus.BADAUTH.failure();
            }
        } finally {
            SaslBytes.clear(expected);
            SaslBytes.clear(given);
        }
    }

    /** The login a bearer token belongs to, if any. */
    Optional<String> tokenOwner(String token) {
        return oauthTokens == null ? Optional.empty() : oauthTokens.lookup(token);
    }

    @Override
    public String toString() {
        return "ServerContext[service=" + service + ", serverFqdn=" + serverFqdn + ", userRealm=" + userRealm
                + ", users=" + (users == null ? null : users.spec())
                + ", oauthTokens=" + (oauthTokens == null ? null : oauthTokens.spec())
                + (saslauthd == null ? "" : ", saslauthd=" + saslauthd.socket() + ", auxprop=" + auxprop) + "]";
    }
}
