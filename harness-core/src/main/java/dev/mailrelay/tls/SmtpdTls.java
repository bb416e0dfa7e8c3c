package dev.mailrelay.tls;

import dev.mailrelay.config.Parameters;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS side of one smtpd service, read from its parameters as smtpd(8) reads them at start-up:
 * {@code smtpd_tls_security_level} (or the legacy {@code smtpd_use_tls}/{@code smtpd_enforce_tls}),
 * {@code smtpd_tls_wrappermode}, {@code smtpd_tls_auth_only}, the certificate
 * ({@code smtpd_tls_chain_files}, else {@code smtpd_tls_cert_file}/{@code smtpd_tls_key_file}, else
 * the {@link HarnessCa} certificate for {@code myhostname}), protocols and cipher grade.
 *
 * <pre>{@code
 * SmtpdTls tls = SmtpdTls.from(params, instanceDirectory);
 * if (tls.offered()) {
 *     long started = System.currentTimeMillis();
 *     SSLSocket ssl = tls.handshake(plainSocket);       // after "220 2.0.0 Ready to start TLS"
 *     TlsDetails d = tls.details(ssl, started);
 * }
 * }</pre>
 *
 * Where this differs from Postfix: without a configured certificate Postfix logs "No server certs
 * available. TLS won't be enabled" and answers STARTTLS with 454; the harness serves its own
 * certificate instead, so that {@code smtpd_tls_security_level = may} alone gives a working STARTTLS.
 */
public final class SmtpdTls {

    private final boolean offered;
    private final boolean required;
    private final boolean authOnly;
    private final boolean wrapperMode;
    private final boolean receivedHeader;
    private final boolean askClientCertificate;
    private final boolean harnessCertificate;
    private final Duration handshakeTimeout;
    private final SSLContext context;
    private final String[] protocols;
    private final X509TrustManager clientTrust;
    private final String myhostname;
    private final List<X509Certificate> caFile;
    /** The contexts serving a flawed certificate (injected TLS faults), made on first use. */
    private final Map<CertificateFlaw, SSLContext> flawed = new ConcurrentHashMap<>();

    private SmtpdTls(Parameters params, Path baseDirectory) {
        this.wrapperMode = params.bool("smtpd_tls_wrappermode");
        boolean use = params.bool("smtpd_use_tls");
        boolean enforce = params.bool("smtpd_enforce_tls");
        String level = params.get("smtpd_tls_security_level").strip().toLowerCase(Locale.ROOT);
        // As smtpd.c: the level wins over the legacy booleans, except in wrapper mode.
        if (!wrapperMode && !level.isEmpty()) {
            switch (level) {
                case "none" -> {
                    use = false;
                    enforce = false;
                }
                case "may" -> {
                    use = true;
                    enforce = false;
                }
                // Postfix warns "unsupported TLS level" for the client-only levels and uses encrypt.
                case "encrypt", "verify", "secure", "fingerprint" -> {
                    use = true;
                    enforce = true;
                }
                default -> throw params.error("smtpd_tls_security_level", "Invalid TLS level \"" + level + "\"");
            }
        }
        // Wrapper mode implies enforcement; enforcement implies AUTH only after TLS.
        this.required = wrapperMode || enforce;
        this.authOnly = params.bool("smtpd_tls_auth_only") || required;
        this.offered = use || required;
        this.receivedHeader = params.bool("smtpd_tls_received_header");
        this.askClientCertificate = params.bool("smtpd_tls_ask_ccert");
        this.handshakeTimeout = params.time("smtpd_starttls_timeout");
        // Both grades and both protocol lists are checked, whichever the level uses, TLS on or off.
        TlsParameters.checkCipherGrade(params, "smtpd_tls_ciphers");
        TlsParameters.checkCipherGrade(params, "smtpd_tls_mandatory_ciphers");
        TlsParameters.allowedProtocols(params, "smtpd_tls_protocols");
        TlsParameters.allowedProtocols(params, "smtpd_tls_mandatory_protocols");
        this.myhostname = params.get("myhostname");
        // The harness CA issues the served certificate unless files name one (as context() decides).
        this.harnessCertificate = offered && params.list("smtpd_tls_chain_files").isEmpty()
                && params.get("smtpd_tls_cert_file").isBlank();
        if (!offered) {
            this.context = null;
            this.protocols = null;
            this.clientTrust = null;
            this.caFile = List.of();
            return;
        }
        this.caFile = TlsParameters.caFile(params, "smtpd_tls_CAfile", baseDirectory);
        // Without smtpd_tls_CAfile no client certificate is trusted (PKIX needs at least one anchor).
        this.clientTrust = caFile.isEmpty() ? null : TlsParameters.pkix(caFile);
        this.context = context(params, baseDirectory, caFile);
        this.protocols = TlsParameters.protocols(params,
                required ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols");
    }

    /** Reads the service's TLS parameters; a bad value or unreadable certificate fails here. */
    public static SmtpdTls from(Parameters params, Path baseDirectory) {
        return new SmtpdTls(params, baseDirectory);
    }

    /** Whether STARTTLS is offered (or the service is in wrapper mode): Postfix's {@code var_smtpd_use_tls}. */
    public boolean offered() {
        return offered;
    }

    /** Whether commands other than EHLO, HELO, STARTTLS, NOOP and QUIT need TLS ({@code var_smtpd_enforce_tls}). */
    public boolean required() {
        return required;
    }

    /** Whether AUTH is offered and accepted only over TLS ({@code smtpd_tls_auth_only}, implied by enforcement). */
    public boolean authOnly() {
        return authOnly;
    }

    /**
     * Whether TLS is offered with a certificate the harness CA issued ({@link HarnessCa}): no
     * {@code smtpd_tls_cert_file} or {@code smtpd_tls_chain_files}, so a client trusting that CA
     * verifies this server.
     */
    public boolean harnessCertificate() {
        return harnessCertificate;
    }

    /** Whether TLS starts at connect, before the greeting ({@code smtpd_tls_wrappermode}). */
    public boolean wrapperMode() {
        return wrapperMode;
    }

    /** Whether the Received header describes the TLS session ({@code smtpd_tls_received_header}). */
    public boolean receivedHeader() {
        return receivedHeader;
    }

    /** Whether a client certificate is requested ({@code smtpd_tls_ask_ccert}). */
    public boolean askClientCertificate() {
        return askClientCertificate;
    }

    /**
     * Runs the server side of the handshake over {@code plain} (bytes already read from it are not
     * seen) within {@code smtpd_starttls_timeout}; the socket's own timeout is restored afterwards.
     *
     * @throws IOException when the handshake fails; the connection is then unusable, as in Postfix
     */
    public SSLSocket handshake(Socket plain) throws IOException {
        return handshake(plain, null);
    }

    /**
     * {@link #handshake(Socket)} serving a certificate with {@code flaw} (issued by the harness CA for
     * {@code myhostname}) instead of the service's own; {@code null}: the service's own.
     */
    public SSLSocket handshake(Socket plain, CertificateFlaw flaw) throws IOException {
        if (context == null) {
            throw new IllegalStateException("TLS is not enabled for this service");
        }
        SSLContext ctx = flaw == null ? context : flawed.computeIfAbsent(flaw, f -> {
            HarnessCa.ServerIdentity id = HarnessCa.flawedIdentity(myhostname, f);
            try {
                return sslContext(id.key(), id.chain(), caFile);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot serve a certificate with flaw " + f.id() + ": " + e, e);
            }
        });
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain,
                plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        ssl.setUseClientMode(false);
        SSLParameters p = ssl.getSSLParameters();
        p.setProtocols(protocols);
        p.setWantClientAuth(askClientCertificate);
        ssl.setSSLParameters(p);
        int timeout = plain.getSoTimeout();
        ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, handshakeTimeout.toMillis()));
        ssl.startHandshake();
        ssl.setSoTimeout(timeout);
        return ssl;
    }

    /** The established session, as Postfix describes it; {@code handshakeStarted} as {@link TlsDetails#of} takes it. */
    public TlsDetails details(SSLSocket ssl, long handshakeStarted) {
        return TlsDetails.of(ssl.getSession(), true, handshakeStarted);
    }

    /**
     * Whether the client's certificate chain is trusted by {@code smtpd_tls_CAfile}
     * ({@code false} without a client certificate).
     */
    public boolean clientCertificateTrusted(SSLSocket ssl) {
        if (clientTrust == null) {
            return false;
        }
        try {
            java.security.cert.Certificate[] chain = ssl.getSession().getPeerCertificates();
            X509Certificate[] x509 = new X509Certificate[chain.length];
            for (int i = 0; i < chain.length; i++) {
                x509[i] = (X509Certificate) chain[i];
            }
            clientTrust.checkClientTrusted(x509, x509[0].getPublicKey().getAlgorithm());
            return true;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | CertificateException | ClassCastException e) {
            return false;
        }
    }

    private static SSLContext context(Parameters params, Path baseDirectory, List<X509Certificate> caFile) {
        PrivateKey key;
        List<X509Certificate> chain;
        List<Path> chainFiles = new ArrayList<>();
        for (String f : params.list("smtpd_tls_chain_files")) {
            chainFiles.add(TlsParameters.regularFile(params, "smtpd_tls_chain_files", baseDirectory.resolve(f)));
        }
        Path certFile = TlsParameters.file(params, "smtpd_tls_cert_file", baseDirectory);
        // Checked even where it goes unused (no certificate file, or chain files instead).
        Path keyFile = TlsParameters.file(params, "smtpd_tls_key_file", baseDirectory);
        String parameter = !chainFiles.isEmpty() ? "smtpd_tls_chain_files" : "smtpd_tls_cert_file";
        try {
            if (!chainFiles.isEmpty() || certFile != null) {
                List<PrivateKey> keys = new ArrayList<>();
                chain = new ArrayList<>();
                List<Path> files = new ArrayList<>(chainFiles);
                if (chainFiles.isEmpty()) {
                    // The key file defaults to the certificate file ($smtpd_tls_cert_file).
                    files.add(certFile);
                    if (keyFile != null && !keyFile.equals(certFile)) {
                        keys.addAll(PemFiles.read(keyFile).keys());
                    }
                }
                for (Path f : files) {
                    PemFiles.Contents c = PemFiles.read(f);
                    keys.addAll(c.keys());
                    chain.addAll(c.certificates());
                }
                if (keys.size() != 1 || chain.isEmpty()) {
                    throw params.error(parameter, "need exactly one private key and at least one certificate in "
                            + files + (chainFiles.isEmpty() ? " and smtpd_tls_key_file" : "") + "; found "
                            + keys.size() + " keys and " + chain.size() + " certificates");
                }
                key = keys.get(0);
            } else {
                HarnessCa.ServerIdentity id = HarnessCa.serverIdentity(params.get("myhostname"));
                key = id.key();
                chain = id.chain();
            }
        } catch (IOException e) {
            throw params.error(parameter, "cannot load the server certificate: " + e.getMessage());
        }
        try {
            return sslContext(key, chain, caFile);
        } catch (GeneralSecurityException e) {
            throw params.error(parameter, "the server key does not match its certificate or cannot be used: " + e);
        }
    }

    static SSLContext sslContext(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> caFile)
            throws GeneralSecurityException {
        // The one key and chain are handed to JSSE directly: a PKCS12 KeyStore plus KeyManagerFactory
        // would encrypt the key and decrypt it again with PBKDF2, most of a warm instance start.
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {new SingleKeyManager(key, chain.toArray(new X509Certificate[0]))},
                new TrustManager[] {TlsParameters.acceptAll(caFile)}, null);
        return ctx;
    }

    /** The server's single identity, offered for the key types its key can serve (as SunX509 chooses). */
    private static final class SingleKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "server";
        private final PrivateKey key;
        private final X509Certificate[] chain;

        SingleKeyManager(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        private String aliasFor(String keyType) {
            String algorithm = chain[0].getPublicKey().getAlgorithm();
            return keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")) ? ALIAS : null;
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            String a = aliasFor(keyType);
            return a == null ? null : new String[] {a};
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return aliasFor(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers,
                                              javax.net.ssl.SSLEngine engine) {
            return aliasFor(keyType);
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }
}
