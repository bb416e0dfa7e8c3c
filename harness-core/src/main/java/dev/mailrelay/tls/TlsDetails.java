package dev.mailrelay.tls;

import dev.mailrelay.capture.TlsInfo;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What Postfix logs and writes about an established TLS session, in OpenSSL's terms: {@code TLSv1.3
 * with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) server-signature ECDSA (P-256) server-digest
 * SHA256}.
 *
 * <p>Where this differs from Postfix 3.7 with OpenSSL 3: the JDK does not tell which key-exchange
 * group (X25519, P-256, ...) was negotiated, so the {@code key-exchange} part is left out rather than
 * guessed; the server digest is given only where the key fixes it (TLS 1.3 with an ECDSA key); the
 * {@code client-signature} part is never given.
 *
 * <pre>{@code
 * long started = System.currentTimeMillis();
 * sslSocket.startHandshake();
 * TlsDetails d = TlsDetails.of(sslSocket.getSession(), true, started);
 * d.summary();   // "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) server-signature ECDSA (P-256) server-digest SHA256"
 * }</pre>
 *
 * @param protocol        {@code TLSv1.2}, {@code TLSv1.3}
 * @param cipher          the cipher suite by its OpenSSL name ({@code ECDHE-ECDSA-AES256-GCM-SHA384};
 *                        TLS 1.3 names are the same in both)
 * @param usedBits        the cipher's effective key bits
 * @param algorithmBits   the cipher algorithm's key bits
 * @param serverSignature {@code ECDSA (P-256)}, {@code RSA (2048 bits)}, {@code RSA-PSS (2048 bits)}, or {@code null}
 * @param serverDigest    {@code SHA256}, or {@code null} when the JDK does not tell
 * @param peerCn          the peer certificate's subject CN, or {@code null} without a peer certificate
 * @param issuerCn        the peer certificate's issuer CN, or {@code null}
 * @param clientCertificatePresented whether the client side of the handshake sent a certificate: the
 *                        peer's when this side is the server, this side's own when it is the client
 */
public record TlsDetails(String protocol, String cipher, int usedBits, int algorithmBits, String serverSignature,
                         String serverDigest, String peerCn, String issuerCn, boolean clientCertificatePresented) {

    private static final Pattern JDK_SUITE = Pattern.compile("TLS_(?:(\\w+?)_WITH_)?(\\w+)");

    /**
     * Describes a session.
     *
     * @param server           whether this side is the server (its own certificate signed the handshake)
     * @param handshakeStarted when this handshake began ({@link System#currentTimeMillis()}): a session
     *                         made before it was resumed, and a resumed handshake signs nothing, so
     *                         no server signature is given, as Postfix's tls_get_signature_params()
     *                         gives none when {@code session_reused} (JSSE keeps a resumed session's
     *                         creation time)
     */
    public static TlsDetails of(SSLSession session, boolean server, long handshakeStarted) {
        String suite = session.getCipherSuite();
        int[] bits = bits(suite);
        Certificate[] serverChain = server ? session.getLocalCertificates() : peerChain(session);
        String signature = null;
        String digest = null;
        boolean resumed = session.getCreationTime() < handshakeStarted;
        if (!resumed && serverChain != null && serverChain.length > 0) {
            PublicKey key = serverChain[0].getPublicKey();
            boolean tls13 = "TLSv1.3".equals(session.getProtocol());
            if (key instanceof ECPublicKey ec) {
                int size = ec.getParams().getCurve().getField().getFieldSize();
                signature = "ECDSA (P-" + size + ")";
                if (tls13) {
                    // TLS 1.3 binds each ECDSA curve to one hash (RFC 8446 4.2.3).
                    digest = size == 256 ? "SHA256" : size == 384 ? "SHA384" : "SHA512";
                }
            } else if (key instanceof RSAPublicKey rsa) {
                // TLS 1.3 signs with RSA-PSS only.
                signature = (tls13 ? "RSA-PSS" : "RSA") + " (" + rsa.getModulus().bitLength() + " bits)";
            }
        }
        Certificate[] peer = peerChain(session);
        X509Certificate peerLeaf = peer != null && peer.length > 0 && peer[0] instanceof X509Certificate x ? x : null;
        // The SMTP client's record of a hop must say what it sent, not that the server showed a certificate.
        Certificate[] local = session.getLocalCertificates();
        boolean clientCertificate = server ? peerLeaf != null : local != null && local.length > 0;
        return new TlsDetails(session.getProtocol(), openSslName(suite), bits[0], bits[1], signature, digest,
                peerLeaf == null ? null : cn(peerLeaf.getSubjectX500Principal().getName()),
                peerLeaf == null ? null : cn(peerLeaf.getIssuerX500Principal().getName()), clientCertificate);
    }

    private static Certificate[] peerChain(SSLSession session) {
        try {
            return session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** Whether the peer presented a certificate. */
    public boolean peerCertificatePresented() {
        return peerCn != null;
    }

    /**
     * The text after "TLS connection established from ...: " in Postfix's log, and the start of the
     * Received header's TLS comment.
     */
    public String summary() {
        StringBuilder s = new StringBuilder(cipherText());
        if (serverSignature != null) {
            s.append(" server-signature ").append(serverSignature);
            if (serverDigest != null) {
                s.append(" server-digest ").append(serverDigest);
            }
        }
        return s.toString();
    }

    /** {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)}. */
    public String cipherText() {
        return protocol + " with cipher " + cipher + " (" + usedBits + "/" + algorithmBits + " bits)";
    }

    /** What capture records. */
    public TlsInfo toTlsInfo() {
        return new TlsInfo(protocol, cipher, clientCertificatePresented);
    }

    /**
     * A JDK (IANA) suite name as OpenSSL names it: {@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256} is
     * {@code ECDHE-RSA-AES128-GCM-SHA256}; TLS 1.3 suites keep their name.
     */
    static String openSslName(String suite) {
        Matcher m = JDK_SUITE.matcher(suite);
        if (suite.startsWith("TLS_") && !suite.contains("_WITH_")) {
            return suite;
        }
        if (!m.matches()) {
            return suite;
        }
        String kex = m.group(1);
        String cipher = m.group(2)
                .replaceFirst("^AES_(\\d+)_", "AES$1_")
                .replaceFirst("^CHACHA20_POLY1305_SHA256$", "CHACHA20_POLY1305")
                .replaceFirst("^3DES_EDE_CBC_SHA$", "DES_CBC3_SHA")
                .replace("_CBC_", "_")
                .replace('_', '-');
        String prefix = kex == null || kex.equals("RSA") ? "" : kex.replace('_', '-') + "-";
        return prefix + cipher;
    }

    private static int[] bits(String suite) {
        String s = suite.toUpperCase(Locale.ROOT);
        if (s.contains("AES_256") || s.contains("CHACHA20")) {
            return new int[] {256, 256};
        }
        if (s.contains("AES_128")) {
            return new int[] {128, 128};
        }
        if (s.contains("3DES")) {
            return new int[] {112, 168};
        }
        return new int[] {0, 0};
    }

    /** The subject CN of a certificate, if it has one. */
    static Optional<String> cnOf(X509Certificate cert) {
        String cn = cn(cert.getSubjectX500Principal().getName());
        return cn.isEmpty() ? Optional.empty() : Optional.of(cn);
    }

    private static String cn(String dn) {
        try {
            for (Rdn rdn : new LdapName(dn).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }
}
