package dev.mailrelay.xsasl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * XOAUTH2 (Google's): {@code user=<user>^Aauth=Bearer <token>^A^A}. On failure the server sends the
 * JSON error as a challenge, the client answers with an empty line, and the exchange fails.
 *
 * <pre>{@code
 * ServerMechanism xoauth2 = new XOAuth2Mechanism();
 * }</pre>
 */
public final class XOAuth2Mechanism extends BearerTokenMechanism {

    @Override
    public String name() {
        return "XOAUTH2";
    }

    @Override
    Bearer parse(byte[] message) throws SaslFailure {
        String text = new String(message, StandardCharsets.UTF_8);
        if (!text.endsWith("\u0001\u0001")) {
            throw CyrusStatus.BADPROT.failure();
        }
        String user = null, auth = null;
        for (String kv : text.substring(0, text.length() - 2).split("\u0001")) {
            if (kv.startsWith("user=")) {
                user = kv.substring(5);
            } else if (kv.startsWith("auth=")) {
                auth = kv.substring(5);
            }
        }
        if (user == null) {
            throw CyrusStatus.BADPROT.failure();
        }
        return new Bearer(user, bearerToken(auth));
    }

    @Override
    byte[] format(String user, char[] token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SaslBytes.utf8("user=" + user + "\u0001auth=Bearer "));
        byte[] secret = SaslBytes.utf8(token);
        out.writeBytes(secret);
        SaslBytes.clear(secret);
        out.writeBytes(new byte[] {1, 1});
        return out.toByteArray();
    }

    @Override
    String errorJson() {
        return "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"\"}";
    }

    @Override
    byte[] dummyResponse() {
        return new byte[0];
    }
}
