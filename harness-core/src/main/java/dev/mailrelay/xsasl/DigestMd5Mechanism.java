package dev.mailrelay.xsasl;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * DIGEST-MD5 (RFC 2831) as Cyrus offers it to Postfix (which allows no security layer): the challenge
 * is {@code nonce="...",realm="<user realm or server FQDN>",qop="auth",charset=utf-8,algorithm=md5-sess}
 * in Cyrus' order; the digest-uri must name the service (its host part is not checked, as in Cyrus);
 * {@code rspauth} is final server data. The user is looked up by its canonical login (the realm directive only enters the hash).
 *
 * <pre>{@code
 * ServerMechanism digest = new DigestMd5Mechanism();
 * }</pre>
 */
public final class DigestMd5Mechanism implements ServerMechanism, ClientMechanism {
    private static final Set<SecurityFlag> FLAGS = EnumSet.of(SecurityFlag.NOANONYMOUS, SecurityFlag.NOPLAINTEXT,
            SecurityFlag.MUTUAL_AUTH);

    @Override
    public String name() {
        return "DIGEST-MD5";
    }

    @Override
    public Set<SecurityFlag> flags() {
        return FLAGS;
    }

    /** Parses {@code key=value} / {@code key="quoted"} directives; BADPROT when malformed or repeated. */
    static Map<String, String> parse(String text) throws SaslFailure {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0, n = text.length();
        while (i < n) {
            while (i < n && (text.charAt(i) == ',' || Character.isWhitespace(text.charAt(i)))) {
                i++;
            }
            if (i == n) {
                break;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                throw CyrusStatus.BADPROT.failure();
            }
            String key = text.substring(i, eq).trim().toLowerCase();
            StringBuilder value = new StringBuilder();
            i = eq + 1;
            if (i < n && text.charAt(i) == '"') {
                for (i++; ; i++) {
                    if (i >= n) {
                        throw CyrusStatus.BADPROT.failure();
                    }
                    char c = text.charAt(i);
                    if (c == '"') {
                        i++;
                        break;
                    }
                    if (c == '\\' && i + 1 < n) {
                        c = text.charAt(++i);
                    }
                    value.append(c);
                }
            } else {
                while (i < n && text.charAt(i) != ',') {
                    value.append(text.charAt(i++));
                }
            }
            if (out.put(key, value.toString().trim()) != null && !key.equals("realm")) {
                throw CyrusStatus.BADPROT.failure();
            }
        }
        return out;
    }

    private static byte[] md5(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            for (byte[] part : parts) {
                md.update(part);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The md5-sess A1 hash; clears {@code password}. */
    private static byte[] ha1(String user, String realm, char[] password, String nonce, String cnonce, String authzid) {
        byte[] secret = SaslBytes.utf8(password);
        SaslBytes.clear(password);
        byte[] inner = md5(SaslBytes.utf8(user + ":" + realm + ":"), secret);
        SaslBytes.clear(secret);
        String tail = ":" + nonce + ":" + cnonce + (authzid == null || authzid.isEmpty() ? "" : ":" + authzid);
        return md5(inner, SaslBytes.utf8(tail));
    }

    /** response (a2Prefix "AUTHENTICATE") or rspauth (a2Prefix ""). */
    private static String digest(byte[] ha1, String a2Prefix, String digestUri, String nonce, String nc,
                                 String cnonce, String qop) {
        String ha2 = SaslBytes.hex(md5(SaslBytes.utf8(a2Prefix + ":" + digestUri)));
        return SaslBytes.hex(md5(SaslBytes.utf8(SaslBytes.hex(ha1) + ":" + nonce + ":" + nc + ":" + cnonce + ":"
                + qop + ":" + ha2)));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public ServerMechanism.Exchange newExchange(ServerContext context) {
        return new ServerMechanism.Exchange() {
            private String nonce;
            private String username;

            @Override
            public Step step(byte[] in) throws SaslFailure {
                if (nonce == null) {
                    // Cyrus' step 1 ignores an initial response (fast reauth is off: reauth_timeout 0).
                    nonce = SaslBytes.encode(SaslBytes.random(32));
                    String realm = context.userRealm() == null || context.userRealm().isEmpty()
                            ? context.serverFqdn() : context.userRealm();
                    return Step.more(SaslBytes.utf8("nonce=" + quote(nonce) + ",realm=" + quote(realm)
                            + ",qop=\"auth\",charset=utf-8,algorithm=md5-sess"));
                }
                if (username != null) {
                    throw CyrusStatus.BADPROT.failure();
                }
                if (in.length == 0) {
                    throw CyrusStatus.BADAUTH.failure();   // step 2: "input expected in DIGEST-MD5, step 2"
                }
                Map<String, String> d;
                try {
                    d = parse(SaslBytes.utf8(in, 0, in.length));
                } catch (SaslFailure e) {
                    throw CyrusStatus.BADAUTH.failure();   // Cyrus step 2: "Parse error"
                }
                String login = d.get("username"), cnonce = d.get("cnonce"), nc = d.get("nc"),
                        uri = d.get("digest-uri"), response = d.get("response");
                String qop = d.getOrDefault("qop", "auth");
                if (login == null || cnonce == null || nc == null || uri == null || response == null
                        || !nonce.equals(d.get("nonce")) || !qop.equals("auth")
                        || !uri.regionMatches(true, 0, context.service() + "/", 0, context.service().length() + 1)) {
                    // Cyrus checks only the service part of digest-uri ("xxx we don't verify the
                    // hostname component"): clients that dial 127.0.0.1 send smtp/127.0.0.1. Cyrus answers
                    // missing parameters and a wrong nonce, qop or service with SASL_BADAUTH.
                    throw CyrusStatus.BADAUTH.failure();
                }
                String realm = d.getOrDefault("realm", "");
                String authzid = d.get("authzid");
                String user = context.canonical(login);
                byte[] ha1 = ha1(login, realm, context.password(user), nonce, cnonce, authzid);
                String expected = digest(ha1, "AUTHENTICATE", uri, nonce, nc, cnonce, qop);
                if (!MessageDigest.isEqual(SaslBytes.utf8(expected), SaslBytes.utf8(response.toLowerCase()))) {
                    SaslBytes.clear(ha1);
                    throw CyrusStatus.BADAUTH.failure();
                }
                if (authzid != null && !authzid.isEmpty() && !context.canonical(authzid).equals(user)) {
                    SaslBytes.clear(ha1);
                    throw CyrusStatus.BADAUTH.failure();
                }
                String rspauth = "rspauth=" + digest(ha1, "", uri, nonce, nc, cnonce, qop);
                SaslBytes.clear(ha1);
                username = user;
                return Step.success(SaslBytes.utf8(rspauth));
            }

            @Override
            public String username() {
                return username;
            }
        };
    }

    @Override
    public boolean usableWith(ClientCredentials credentials) {
        return credentials.hasPassword();
    }

    @Override
    public ClientMechanism.Exchange newExchange(ClientCredentials credentials, String service, String serverFqdn) {
        return new ClientMechanism.Exchange() {
            private String expectedRspauth;
            private boolean verified;

            @Override
            public boolean complete() {
                return verified;
            }

            @Override
            public byte[] initialResponse() {
                return null;
            }

            @Override
            public byte[] evaluate(byte[] challenge) throws SaslFailure {
                if (expectedRspauth != null) {
                    Map<String, String> d;
                    try {
                        d = parse(SaslBytes.utf8(challenge, 0, challenge.length));
                    } catch (SaslFailure e) {
                        throw CyrusStatus.BADAUTH.failure();   // Cyrus' step 3: "DIGEST-MD5 Received Garbage"
                    }
                    if (!MessageDigest.isEqual(SaslBytes.utf8(expectedRspauth),
                            SaslBytes.utf8(d.getOrDefault("rspauth", "")))) {
                        throw CyrusStatus.BADAUTH.failure();   // server failed mutual authentication
                    }
                    verified = true;
                    return new byte[0];
                }
                Map<String, String> d = parse(SaslBytes.utf8(challenge, 0, challenge.length));
                String nonce = d.get("nonce");
                if (nonce == null || !"md5-sess".equals(d.get("algorithm"))
                        || !d.getOrDefault("qop", "auth").matches("(.*,)?\\s*auth\\s*(,.*)?")) {
                    throw CyrusStatus.BADPROT.failure();
                }
                String realm = d.getOrDefault("realm", "");
                String cnonce = SaslBytes.encode(SaslBytes.random(32));
                String nc = "00000001";
                String uri = service + "/" + serverFqdn;
                byte[] ha1 = ha1(credentials.username(), realm, credentials.passwordCopy(), nonce, cnonce, null);
                String response = digest(ha1, "AUTHENTICATE", uri, nonce, nc, cnonce, "auth");
                expectedRspauth = digest(ha1, "", uri, nonce, nc, cnonce, "auth");
                SaslBytes.clear(ha1);
                return SaslBytes.utf8((d.containsKey("charset") ? "charset=utf-8," : "")
                        + "username=" + quote(credentials.username())
                        + (d.containsKey("realm") ? ",realm=" + quote(realm) : "")
                        + ",nonce=" + quote(nonce) + ",nc=" + nc + ",cnonce=" + quote(cnonce)
                        + ",digest-uri=" + quote(uri) + ",response=" + response + ",qop=auth");
            }
        };
    }
}
