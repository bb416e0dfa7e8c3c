package dev.mailrelay.xsasl;

/**
 * One step's outcome, mirroring Postfix's XSASL_AUTH_* codes; smtpd turns each into its reply:
 * MORE {@code 334 text}, DONE {@code 235 2.7.0 Authentication successful}, FORM and FAIL
 * {@code 535 5.7.8 Error: authentication failed: text} (Postfix 3.7 answers a malformed response
 * like any other failure, as observed with Cyrus 2.1.28), TEMP {@code 454 4.7.0 Temporary
 * authentication failure: text}.
 *
 * @param status what happened
 * @param text   the base64 challenge for MORE (possibly empty), otherwise the reason text, never a
 *               password or decoded response
 */
public record SaslResult(Status status, String text) {

    /** Postfix's XSASL_AUTH_MORE, _DONE, _FORM, _FAIL and _TEMP. */
    public enum Status { MORE, DONE, FORM, FAIL, TEMP }

    public static SaslResult more(String base64Challenge) {
        return new SaslResult(Status.MORE, base64Challenge);
    }

    public static SaslResult done() {
        return new SaslResult(Status.DONE, "");
    }

    public static SaslResult form(String reason) {
        return new SaslResult(Status.FORM, reason);
    }

    public static SaslResult fail(String reason) {
        return new SaslResult(Status.FAIL, reason);
    }

    public static SaslResult temp(String reason) {
        return new SaslResult(Status.TEMP, reason);
    }
}
