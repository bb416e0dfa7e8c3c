package dev.mailrelay.xsasl;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** Cyrus' MAX_SASL_BUFSIZE: the largest maxbuf a client may announce. */
    private static final long MAX_SASL_BUFSIZE = 0xFFFFFF;

    /**
     * The directives of a DIGEST-MD5 message in order ({@code key=value} / {@code key="quoted"}, keys in
     * lower case), as far as they are well formed; {@code malformed} tells whether a bad one followed.
     */
    record Directives(List<Map.Entry<String, String>> pairs, boolean malformed) {
    }

    static Directives directives(String text) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
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
                return new Directives(out, true);
            }
            String key = text.substring(i, eq).trim().toLowerCase();
            StringBuilder value = new StringBuilder();
            i = eq + 1;
            if (i < n && text.charAt(i) == '"') {
                for (i++; ; i++) {
                    if (i >= n) {
                        return new Directives(out, true);
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
            out.add(Map.entry(key, value.toString().trim()));
        }
        return new Directives(out, false);
    }

    /** A challenge's directives as a map; BADPROT when malformed or repeated (realm may repeat). */
    static Map<String, String> parse(String text) throws SaslFailure {
        Directives d = directives(text);
        if (d.malformed()) {
            throw CyrusStatus.BADPROT.failure();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : d.pairs()) {
            if (out.put(e.getKey(), e.getValue()) != null && !e.getKey().equals("realm")) {
                throw CyrusStatus.BADPROT.failure();
            }
        }
        return out;
    }

    /**
     * Cyrus 2.1.28's digestmd5_server_mech_step2() reading a response, directive by directive: a
     * repeated realm, qop or digest-uri, or a charset other than utf-8, is SASL_FAIL ("duplicate
     * realm: authentication aborted"); a repeated or bad maxbuf, a bad nc, a digest-uri of another
     * service or a malformed directive is SASL_BADAUTH; other directives may repeat, the last counts.
     */
    private static Map<String, String> response(String text, String service) throws SaslFailure {
        Directives directives = directives(text);
        Map<String, String> d = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : directives.pairs()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key.isEmpty()) {
                break;
            }
            switch (key) {
                case "realm", "qop", "digest-uri" -> {
                    if (d.containsKey(key)) {
                        throw CyrusStatus.FAIL.failure();
                    }
                    // Cyrus checks only the service part ("xxx we don't verify the hostname component"):
                    // clients that dial 127.0.0.1 send smtp/127.0.0.1.
                    if (key.equals("digest-uri") && !value.regionMatches(true, 0, service + "/", 0, service.length() + 1)) {
                        throw CyrusStatus.BADAUTH.failure();
                    }
                }
                case "maxbuf" -> {
                    if (d.containsKey(key) || !value.matches("[0-9]{1,10}") || Long.parseLong(value) <= 16
                            || Long.parseLong(value) > MAX_SASL_BUFSIZE) {
                        throw CyrusStatus.BADAUTH.failure();
                    }
                }
                case "nc" -> {
                    if (!value.matches("[0-9a-fA-F]*")) {
                        throw CyrusStatus.BADAUTH.failure();   // "error converting hex to int"
                    }
                }
                case "charset" -> {
                    if (!value.equalsIgnoreCase("utf-8")) {
                        throw CyrusStatus.FAIL.failure();   // "client doesn't support UTF-8"
                    }
                }
                default -> {
                }
            }
            d.put(key, value);
        }
        if (directives.malformed()) {
            throw CyrusStatus.BADAUTH.failure();   // "Parse error"
        }
        return d;
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
                Map<String, String> d = response(SaslBytes.utf8(in, 0, in.length), context.service());
                String login = d.get("username"), cnonce = d.get("cnonce"), nc = d.get("nc"),
                        uri = d.get("digest-uri"), response = d.get("response");
                String qop = d.getOrDefault("qop", "auth");
                if (login == null || cnonce == null || nc == null || nc.matches("0*") || uri == null
                        || response == null || !nonce.equals(d.get("nonce")) || !qop.equals("auth")) {
                    // Cyrus answers missing parameters (nc 0 is missing) and a wrong nonce or qop with SASL_BADAUTH.
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
