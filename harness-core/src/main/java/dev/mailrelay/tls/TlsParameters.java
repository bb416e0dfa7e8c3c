package dev.mailrelay.tls;

import dev.mailrelay.config.Parameters;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/** The TLS parameters smtpd and smtp share the syntax of: protocol lists, cipher grades, CA files. */
final class TlsParameters {

    /** Postfix's protocol names, oldest first (tls_protocol_mask() in tls_misc.c). */
    private static final List<String> PROTOCOLS = List.of("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    private static final Set<String> GRADES = Set.of("export", "low", "medium", "high", "null");

    private TlsParameters() {
    }

    /**
     * A protocol list in Postfix's syntax ({@code >=TLSv1.2}, {@code <=TLSv1.2}, {@code !SSLv2, !SSLv3},
     * {@code TLSv1.2 TLSv1.3}), as the protocols the JDK may enable: those the list allows that the
     * JDK enables by default (JDK 17 disables TLSv1 and TLSv1.1, so {@code >=TLSv1} means TLSv1.2 and
     * TLSv1.3 here, as it does with Debian 12's OpenSSL security level).
     */
    static String[] protocols(Parameters params, String name) {
        List<String> allowed = allowedProtocols(params, name);
        String[] jdk = JdkProtocols.DEFAULT;
        String[] enabled = Arrays.stream(jdk).filter(allowed::contains).toArray(String[]::new);
        if (enabled.length == 0) {
            throw params.error(name, name + " = " + params.get(name) + " leaves no protocol the JDK enables ("
                    + String.join(", ", jdk) + ")");
        }
        return enabled;
    }

    /**
     * The Postfix protocol names a protocol list allows, without asking the JDK: how a list that is
     * not in use (TLS off, or the other of the opportunistic and mandatory lists) is checked at start.
     */
    static List<String> allowedProtocols(Parameters params, String name) {
        String value = params.get(name);
        Set<String> included = new LinkedHashSet<>();
        Set<String> excluded = new LinkedHashSet<>();
        int min = 0;
        int max = PROTOCOLS.size() - 1;
        for (String token : value.split("[\\s,:]+")) {
            if (token.isEmpty()) {
                continue;
            }
            if (token.startsWith(">=")) {
                min = Math.max(min, index(params, name, token.substring(2)));
            } else if (token.startsWith("<=")) {
                max = Math.min(max, index(params, name, token.substring(2)));
            } else if (token.startsWith("!")) {
                excluded.add(PROTOCOLS.get(index(params, name, token.substring(1))));
            } else {
                included.add(PROTOCOLS.get(index(params, name, token)));
            }
        }
        List<String> allowed = new ArrayList<>();
        for (int i = min; i <= max; i++) {
            String p = PROTOCOLS.get(i);
            if ((included.isEmpty() || included.contains(p)) && !excluded.contains(p)) {
                allowed.add(p);
            }
        }
        return allowed;
    }

    /** Loads and initialises the JDK's TLS implementation, as the first protocol list needs it. */
    static void loadJdkTls() {
        if (JdkProtocols.DEFAULT.length == 0) {
            throw new IllegalStateException("the JDK enables no TLS protocol");
        }
    }

    /** The protocols the JDK enables by default, found once without loading any key or trust store. */
    private static final class JdkProtocols {
        static final String[] DEFAULT = find();

        private static String[] find() {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(new KeyManager[0], new TrustManager[0], null);
                return context.getDefaultSSLParameters().getProtocols();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no TLS in this JDK: " + e, e);
            }
        }
    }

    private static int index(Parameters params, String name, String protocol) {
        for (int i = 0; i < PROTOCOLS.size(); i++) {
            if (PROTOCOLS.get(i).equalsIgnoreCase(protocol)) {
                return i;
            }
        }
        throw params.error(name, "Invalid TLS protocol list \"" + params.get(name) + "\": unknown protocol "
                + protocol);
    }

    /**
     * Checks a cipher grade ({@code smtpd_tls_ciphers} and the like). Every suite the JDK enables by
     * default is in OpenSSL's HIGH class, so {@code high}, {@code medium}, {@code low} and {@code export}
     * all give the JDK's default suites; {@code null} (unencrypted suites only) the JDK cannot honour.
     */
    static void checkCipherGrade(Parameters params, String name) {
        String grade = params.get(name).toLowerCase(Locale.ROOT);
        if (!GRADES.contains(grade)) {
            throw params.error(name, "invalid " + name + " value \"" + params.get(name) + "\"");
        }
        if (grade.equals("null")) {
            throw params.error(name, name + " = null (unencrypted cipher suites) is not supported by the JDK");
        }
    }

    /**
     * A file parameter resolved against the instance directory, or {@code null} when empty; a missing
     * file, or one that is no regular file (a FIFO would block the start), fails here naming it.
     */
    static Path file(Parameters params, String name, Path baseDirectory) {
        String v = params.get(name).strip();
        return v.isEmpty() ? null : regularFile(params, name, baseDirectory.resolve(v));
    }

    /** {@code file} when it is a regular file, else an error naming the parameter. */
    static Path regularFile(Parameters params, String name, Path file) {
        if (!Files.exists(file)) {
            throw params.error(name, "cannot read " + file + ": No such file or directory");
        }
        if (!Files.isRegularFile(file)) {
            throw params.error(name, "cannot read " + file + ": not a regular file");
        }
        return file;
    }

    /** The certificates of a CAfile parameter (none when empty). */
    static List<X509Certificate> caFile(Parameters params, String name, Path baseDirectory) {
        Path file = file(params, name, baseDirectory);
        if (file == null) {
            return List.of();
        }
        try {
            List<X509Certificate> certs = PemFiles.certificates(file);
            if (certs.isEmpty()) {
                throw params.error(name, "no certificate in " + file);
            }
            return certs;
        } catch (IOException e) {
            throw params.error(name, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /** A PKIX trust manager for these anchors, to judge a peer's chain after the handshake. */
    static X509TrustManager pkix(List<X509Certificate> anchors) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : anchors) {
                ks.setCertificateEntry("anchor-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X509TrustManager from PKIX");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager: " + e, e);
        }
    }

    /**
     * A trust manager that never fails a handshake: Postfix, too, completes the handshake with an
     * untrusted peer and decides afterwards (by TLS level) what that means.
     */
    static X509TrustManager acceptAll(List<X509Certificate> acceptedIssuers) {
        X509Certificate[] issuers = acceptedIssuers.toArray(new X509Certificate[0]);
        // Extended, so that the JDK does not wrap it with checks of its own.
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
                // judged after the handshake
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
                // judged after the handshake
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                // judged after the handshake
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                // judged after the handshake
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                // judged after the handshake
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // judged after the handshake
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return issuers.clone();
            }
        };
    }
}
