package dev.mailrelay.xsasl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * OAUTHBEARER (RFC 7628): {@code n,a=<user>,^Aauth=Bearer <token>^A^A}. On failure the server sends
 * the JSON error as a challenge, the client answers {@code ^A}, and the exchange fails.
 *
 * <pre>{@code
 * ServerMechanism oauth = new OAuthBearerMechanism();
 * }</pre>
 */
public final class OAuthBearerMechanism extends BearerTokenMechanism {

    @Override
    public String name() {
        return "OAUTHBEARER";
    }

    @Override
    Bearer parse(byte[] message) throws SaslFailure {
        String text = new String(message, StandardCharsets.UTF_8);
        int kvStart = text.indexOf('\u0001');
        if (kvStart < 0 || !text.endsWith("\u0001\u0001")) {
            throw CyrusStatus.BADPROT.failure();
        }
        String[] gs2 = text.substring(0, kvStart).split(",", -1);
        if (gs2.length != 3 || !(gs2[0].equals("n") || gs2[0].equals("y")) || !gs2[2].isEmpty()
                || !(gs2[1].isEmpty() || gs2[1].startsWith("a="))) {
            throw CyrusStatus.BADPROT.failure();
        }
        String user = gs2[1].isEmpty() ? "" : ScramMechanism.unescapeName(gs2[1].substring(2));
        String auth = null;
        for (String kv : text.substring(kvStart + 1, text.length() - 2).split("\u0001")) {
            if (kv.startsWith("auth=")) {
                auth = kv.substring(5);
            }
        }
        return new Bearer(user, bearerToken(auth));
    }

    @Override
    byte[] format(String user, char[] token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SaslBytes.utf8("n,a=" + ScramMechanism.escapeName(user) + ",\u0001auth=Bearer "));
        byte[] secret = SaslBytes.utf8(token);
        out.writeBytes(secret);
        SaslBytes.clear(secret);
        out.writeBytes(new byte[] {1, 1});
        return out.toByteArray();
    }

    @Override
    String errorJson() {
        return "{\"status\":\"invalid_token\",\"schemes\":\"bearer\",\"scope\":\"\"}";
    }

    @Override
    byte[] dummyResponse() {
        return new byte[] {1};
    }
}
