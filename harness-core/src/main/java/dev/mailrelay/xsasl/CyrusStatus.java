package dev.mailrelay.xsasl;

/**
 * The Cyrus result codes this package produces, with their {@code sasl_errstring()} texts, which
 * Postfix puts verbatim into its 535/454 replies.
 */
enum CyrusStatus {
    CONTINUE("another step is needed in authentication"),
    FAIL("generic failure"),
    BADPROT("bad protocol / cancel"),
    NOMECH("no mechanism available"),
    BADAUTH("authentication failure"),
    /** Postfix reports SASL_NOUSER as SASL_BADAUTH for privacy; kept for the log reason only. */
    NOUSER("user not found"),
    TRYAGAIN("transient failure (e.g., weak key)");

    private final String text;

    CyrusStatus(String text) {
        this.text = text;
    }

    String text() {
        return text;
    }

    /** Failure statuses Postfix turns into XSASL_AUTH_TEMP (454) rather than XSASL_AUTH_FAIL (535). */
    boolean temporary() {
        return this == FAIL || this == TRYAGAIN;
    }

    SaslFailure failure() {
        return new SaslFailure(this);
    }
}
