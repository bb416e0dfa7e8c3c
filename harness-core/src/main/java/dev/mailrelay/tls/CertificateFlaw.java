package dev.mailrelay.tls;

import java.util.Locale;

/**
 * What is wrong with a server certificate the harness CA issues on purpose (an injected TLS fault):
 * a client that verifies the server ({@code smtp_tls_security_level = verify} or {@code secure}, an
 * application checking the host name) must refuse it; one that only encrypts ({@code may},
 * {@code encrypt}) goes on. Both are signed by {@link HarnessCa}, so the flaw is the only reason.
 *
 * <pre>{@code
 * isp.faults().onStarttls().certificate(CertificateFlaw.EXPIRED);
 * CertificateFlaw f = CertificateFlaw.parse("wrong-name");
 * }</pre>
 */
public enum CertificateFlaw {
    /** Names {@code wrong-name.invalid} only: not {@code myhostname}, not {@code localhost}, no address. */
    WRONG_NAME,
    /** The right names, but expired yesterday (valid for the thirty days before). */
    EXPIRED;

    /** The name in a fault's JSON or XML: {@code wrong-name}, {@code expired}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The flaw named {@code id} (any case).
     *
     * @throws IllegalArgumentException naming the known flaws
     */
    public static CertificateFlaw parse(String id) {
        for (CertificateFlaw f : values()) {
            if (f.id().equalsIgnoreCase(id.strip())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown certificate flaw \"" + id + "\" (wrong-name, expired)");
    }
}
