package dev.mailrelay.tls;

import dev.mailrelay.capture.TlsInfo;
import dev.mailrelay.config.Parameters;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS decisions of Postfix's SMTP client (smtp_proto.c, tls_client.c) for the relay's smtp
 * client: whether to send STARTTLS, the handshake, certificate verification by level, and the
 * reply-less failure texts Postfix defers with. Built from {@code smtp_tls_security_level} (or the
 * legacy {@code smtp_use_tls}/{@code smtp_enforce_tls}/{@code smtp_tls_enforce_peername}),
 * {@code smtp_tls_wrappermode}, {@code smtp_tls_CAfile}, {@code smtp_tls_protocols} /
 * {@code smtp_tls_mandatory_protocols}, {@code smtp_tls_verify_cert_match},
 * {@code smtp_tls_secure_cert_match} and {@code smtp_starttls_timeout}. The client trusts the
 * {@link HarnessCa} and the certificates of {@code smtp_tls_CAfile}, nothing else.
 *
 * <pre>{@code
 * SmtpTlsClient tls = SmtpTlsClient.from(params, instanceDirectory);
 * SmtpTlsClient.Peer peer = new SmtpTlsClient.Peer("mail.isp.example", "mail.isp.example", "127.0.0.1", 587);
 * Socket socket = new Socket(peer.address(), peer.port());
 * try {
 *     if (tls.wrapperMode()) {                       // smtps/submissions: TLS before the greeting
 *         socket = tls.handshake(socket, peer).socket();
 *     }
 *     // ... read the greeting, send EHLO, collect the keywords ...
 *     if (tls.startTlsAfterEhlo(ehloKeywords, peer)) {   // throws when TLS is required but not offered
 *         String reply = command("STARTTLS");
 *         if (reply.startsWith("2")) {
 *             SmtpTlsClient.Session s = tls.handshake(socket, peer);
 *             socket = s.socket();                   // then EHLO again; s.tlsInfo() for capture
 *             log.info(s.logLine(peer));             // "Verified TLS connection established to ..."
 *         } else {
 *             tls.starttlsRefused(reply, peer);      // throws for encrypt and above, else plaintext
 *         }
 *     }
 * } catch (SmtpTlsException e) {
 *     // defer with e.dsn() and e.reason(); retry in plaintext if e.plaintextFallback()
 * }
 * }</pre>
 *
 * Where this differs from Postfix: {@code smtp_tls_wrappermode = yes} below level {@code encrypt}
 * is a configuration error here (Postfix warns and skips every host); the DANE and fingerprint levels
 * are not supported; plaintext fallback after a failed {@code may} handshake is offered without
 * Postfix's further conditions (no SASL credentials for the host, message older than
 * {@code min_backoff_time}), which the caller applies.
 */
public final class SmtpTlsClient {

    /** {@code smtp_tls_security_level} values mailrelay implements, weakest first. */
    public enum Level {
        NONE, MAY, ENCRYPT, VERIFY, SECURE;

        /** Whether TLS is mandatory (Postfix's TLS_REQUIRED()). */
        public boolean required() {
            return compareTo(ENCRYPT) >= 0;
        }

        /** Whether the certificate must be trusted and match a name (TLS_MUST_MATCH()). */
        public boolean mustMatch() {
            return compareTo(VERIFY) >= 0;
        }
    }

    /**
     * The server being talked to.
     *
     * @param nexthop  the next-hop domain ({@code relayhost} without brackets and port, or the
     *                 recipient domain)
     * @param hostname the host name connected to (the MX host, or the next hop itself)
     * @param address  its IP address
     * @param port     its port
     */
    public record Peer(String nexthop, String hostname, String address, int port) {

        /** {@code host[addr]}, as Postfix names a server in delivery status texts. */
        public String namaddr() {
            return hostname + "[" + address + "]";
        }

        /** {@code host[addr]:port}, as Postfix names it in TLS log lines. */
        public String namaddrport() {
            return namaddr() + ":" + port;
        }
    }

    /**
     * An established TLS session.
     *
     * @param socket   the TLS socket to speak SMTP over (EHLO again first)
     * @param details  protocol, cipher and certificate details
     * @param trusted  whether the server's chain leads to a trusted CA
     * @param verified whether it is trusted and its name matched (levels verify and secure)
     */
    public record Session(SSLSocket socket, TlsDetails details, boolean trusted, boolean verified) {

        /** What capture records for the delivery attempt. */
        public TlsInfo tlsInfo() {
            return details.toTlsInfo();
        }

        /** Postfix's log line: {@code Verified TLS connection established to host[addr]:port: TLSv1.3 ...}. */
        public String logLine(Peer peer) {
            String kind = verified ? "Verified" : trusted ? "Trusted" : "Untrusted";
            return kind + " TLS connection established to " + peer.namaddrport() + ": " + details.summary();
        }
    }

    private final Level level;
    private final boolean wrapperMode;
    private final String[] protocols;
    private final List<X509Certificate> caFile;
    private final List<String> matchStrategies;
    private final Duration timeout;
    /** Made on the first handshake: an instance that never starts TLS never makes the harness CA. */
    private volatile Crypto crypto;

    /** The SSL context and the trust anchors (the harness CA and smtp_tls_CAfile). */
    private record Crypto(SSLContext context, X509TrustManager trust) {
    }

    private SmtpTlsClient(Parameters params, Path baseDirectory) {
        this.level = level(params);
        this.wrapperMode = params.bool("smtp_tls_wrappermode");
        if (wrapperMode && !level.required()) {
            throw params.error("smtp_tls_wrappermode", "smtp_tls_wrappermode requires \"smtp_tls_security_level"
                    + " = encrypt\" (or stronger)");
        }
        this.timeout = params.time("smtp_starttls_timeout");
        // Both protocol lists and both match lists are checked, whichever the level uses; the JDK
        // is asked only when TLS is on at all (an instance that never starts TLS never loads JSSE).
        TlsParameters.allowedProtocols(params, "smtp_tls_protocols");
        TlsParameters.allowedProtocols(params, "smtp_tls_mandatory_protocols");
        this.protocols = level == Level.NONE ? null : TlsParameters.protocols(params,
                level.required() ? "smtp_tls_mandatory_protocols" : "smtp_tls_protocols");
        List<String> verify = params.list("smtp_tls_verify_cert_match");
        List<String> secure = params.list("smtp_tls_secure_cert_match");
        this.matchStrategies = level == Level.SECURE ? secure : verify;
        this.caFile = level == Level.NONE ? List.of()
                : TlsParameters.caFile(params, "smtp_tls_CAfile", baseDirectory);
    }

    /** Reads the client's TLS parameters; a bad value or unreadable CAfile fails here. */
    public static SmtpTlsClient from(Parameters params, Path baseDirectory) {
        return new SmtpTlsClient(params, baseDirectory);
    }

    private Crypto crypto() {
        Crypto c = crypto;
        if (c == null) {
            synchronized (this) {
                c = crypto;
                if (c == null) {
                    List<X509Certificate> anchors = new ArrayList<>();
                    anchors.add(HarnessCa.certificate());
                    anchors.addAll(caFile);
                    try {
                        SSLContext context = SSLContext.getInstance("TLS");
                        context.init(null, new TrustManager[] {TlsParameters.acceptAll(List.of())}, null);
                        c = new Crypto(context, TlsParameters.pkix(anchors));
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("cannot create the client SSL context: " + e, e);
                    }
                    crypto = c;
                }
            }
        }
        return c;
    }

    private static Level level(Parameters params) {
        String v = params.get("smtp_tls_security_level").strip().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            if (params.bool("smtp_enforce_tls")) {
                return params.bool("smtp_tls_enforce_peername") ? Level.VERIFY : Level.ENCRYPT;
            }
            return params.bool("smtp_use_tls") ? Level.MAY : Level.NONE;
        }
        return switch (v) {
            case "none" -> Level.NONE;
            case "may" -> Level.MAY;
            case "encrypt" -> Level.ENCRYPT;
            case "verify" -> Level.VERIFY;
            case "secure" -> Level.SECURE;
            case "dane", "dane-only", "fingerprint", "half-dane" -> throw params.error("smtp_tls_security_level",
                    "smtp_tls_security_level = " + v + " is not supported by mailrelay");
            default -> throw params.error("smtp_tls_security_level", "Invalid TLS level \"" + v + "\"");
        };
    }

    /** The effective security level. */
    public Level level() {
        return level;
    }

    /** Whether TLS starts right after connect, before the greeting ({@code smtp_tls_wrappermode}). */
    public boolean wrapperMode() {
        return wrapperMode;
    }

    /**
     * Decides after the EHLO reply (never called in wrapper mode or after STARTTLS).
     *
     * @param ehloKeywords the EHLO reply's lines after the first, as keywords ({@code STARTTLS},
     *                     {@code AUTH PLAIN}) or whole reply lines ({@code 250-STARTTLS})
     * @return whether to send STARTTLS; {@code false} means go on in plaintext
     * @throws SmtpTlsException {@code 4.7.4} "TLS is required, but was not offered by host h[a]"
     */
    public boolean startTlsAfterEhlo(Collection<String> ehloKeywords, Peer peer) throws SmtpTlsException {
        if (level == Level.NONE) {
            return false;
        }
        boolean offered = ehloKeywords.stream()
                .map(k -> k.matches("\\d{3}[- ].*") ? k.substring(4) : k)
                .map(k -> k.strip().split("\\s+")[0])
                .anyMatch(k -> k.equalsIgnoreCase("STARTTLS"));
        if (offered) {
            return true;
        }
        if (level.required()) {
            throw new SmtpTlsException("4.7.4", "TLS is required, but was not offered by host " + peer.namaddr(),
                    null, false);
        }
        return false;
    }

    /**
     * The server answered STARTTLS with something other than 2xx: at {@code encrypt} and above that
     * ends the delivery (with the server's reply, as its DSN); at {@code may} plaintext goes on.
     *
     * @param reply the reply text, multi-line replies joined by a space
     */
    public void starttlsRefused(String reply, Peer peer) throws SmtpTlsException {
        if (level.required()) {
            String dsn = reply.matches("\\d{3}[ -]\\d\\.\\d{1,3}\\.\\d{1,3}\\b.*") ? reply.substring(4).split(" ")[0]
                    : reply.startsWith("5") ? "5.0.0" : "4.0.0";
            throw new SmtpTlsException(dsn, "TLS is required, but host " + peer.namaddr()
                    + " refused to start TLS: " + reply, null, false);
        }
    }

    /**
     * Runs the client handshake over {@code socket} (after a 2xx STARTTLS reply, or at once in wrapper
     * mode) within {@code smtp_starttls_timeout}, then verifies the server as the level demands. No
     * SNI is sent ({@code smtp_tls_servername} is empty by default).
     *
     * @throws SmtpTlsException {@code 4.7.5} "Cannot start TLS: handshake failure" (with
     *                          {@link SmtpTlsException#plaintextFallback()} at level may), or
     *                          {@code 4.7.5} "Server certificate not verified" at verify and secure
     */
    public Session handshake(Socket socket, Peer peer) throws SmtpTlsException {
        SSLSocket ssl;
        long handshakeStarted;
        try {
            ssl = (SSLSocket) crypto().context().getSocketFactory().createSocket(socket, peer.hostname(),
                    peer.port(), true);
            ssl.setUseClientMode(true);
            SSLParameters p = ssl.getSSLParameters();
            p.setProtocols(protocols);
            p.setServerNames(List.<SNIServerName>of());
            ssl.setSSLParameters(p);
            int previous = socket.getSoTimeout();
            ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            handshakeStarted = System.currentTimeMillis();
            ssl.startHandshake();
            ssl.setSoTimeout(previous);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new SmtpTlsException("4.7.5", "Cannot start TLS: handshake failure",
                    "TLS handshake with " + peer.namaddrport() + " failed: " + e.getMessage(), level == Level.MAY);
        }
        X509Certificate[] chain = chain(ssl);
        String trustError = trustError(chain);
        boolean trusted = trustError == null;
        boolean matched = trusted && level.mustMatch() && nameMatches(chain[0], patterns(peer));
        if (level.mustMatch() && !matched) {
            // Postfix 3.7 gives one text for both causes and logs the cause separately.
            closeQuietly(ssl);
            // tls_log_verify_error() names the certificate's purpose ("server") except for an untrusted issuer.
            String detail = (trusted || !trustError.startsWith("untrusted") ? "server " : "")
                    + "certificate verification failed for " + peer.namaddrport() + ": "
                    + (trusted ? "num=62:hostname mismatch (wanted " + String.join(" or ", patterns(peer)) + ")"
                    : trustError);
            throw new SmtpTlsException("4.7.5", "Server certificate not verified", detail, false);
        }
        return new Session(ssl, TlsDetails.of(ssl.getSession(), false, handshakeStarted), trusted, matched);
    }

    private static X509Certificate[] chain(SSLSocket ssl) {
        try {
            Certificate[] certs = ssl.getSession().getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain;
        } catch (SSLPeerUnverifiedException e) {
            return new X509Certificate[0];
        }
    }

    /** Why the chain is not trusted, or {@code null} when it is. */
    private String trustError(X509Certificate[] chain) {
        if (chain.length == 0) {
            return "no server certificate";
        }
        try {
            // TLS 1.3 has no key-exchange-specific auth type; the JDK passes UNKNOWN too.
            crypto().trust().checkServerTrusted(chain, "UNKNOWN");
            return null;
        } catch (CertificateException e) {
            // tls_log_verify_error()'s texts: a date problem is named before an unknown issuer.
            for (X509Certificate c : chain) {
                try {
                    c.checkValidity();
                } catch (CertificateExpiredException expired) {
                    return "certificate has expired";
                } catch (CertificateNotYetValidException notYet) {
                    return "certificate not yet valid";
                }
            }
            return "untrusted issuer " + chain[chain.length - 1].getIssuerX500Principal().getName();
        }
    }

    /** The names the certificate must match: smtp_tls_verify_cert_match or smtp_tls_secure_cert_match. */
    private List<String> patterns(Peer peer) {
        List<String> names = new ArrayList<>();
        for (String s : matchStrategies) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "hostname" -> names.add(peer.hostname());
                case "nexthop" -> names.add(peer.nexthop());
                case "dot-nexthop" -> names.add("." + peer.nexthop());
                default -> names.add(s);
            }
        }
        return names;
    }

    /**
     * Whether one of the certificate's DNS names (the subjectAltNames, else the CN, as Postfix and
     * OpenSSL check) matches one of the patterns: a name, or {@code .domain} for any name below it.
     * A certificate name {@code *.example.com} matches one label.
     */
    static boolean nameMatches(X509Certificate cert, List<String> patterns) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names.isEmpty()) {
            TlsDetails.cnOf(cert).ifPresent(cn -> names.add(cn.toLowerCase(Locale.ROOT)));
        }
        for (String pattern : patterns) {
            String p = pattern.toLowerCase(Locale.ROOT);
            for (String name : names) {
                if (p.startsWith(".") ? name.endsWith(p) && name.length() > p.length()
                        : name.equals(p) || (name.startsWith("*.") && p.indexOf('.') > 0
                        && p.substring(p.indexOf('.')).equals(name.substring(1)))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // the server is gone or the connection unusable; the failure is reported instead
        }
    }
}
