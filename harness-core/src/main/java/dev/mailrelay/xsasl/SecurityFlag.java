package dev.mailrelay.xsasl;

/**
 * Cyrus SASL's mechanism security flags ({@code SASL_SEC_*}), in the order Cyrus' {@code mech_compare}
 * ranks them when it sorts mechanisms by strength (NOANONYMOUS weighs most).
 *
 * <pre>{@code
 * boolean ok = mechanism.flags().contains(SecurityFlag.NOPLAINTEXT);
 * }</pre>
 */
public enum SecurityFlag {
    NOANONYMOUS,
    NOPLAINTEXT,
    MUTUAL_AUTH,
    NOACTIVE,
    NODICTIONARY,
    FORWARD_SECRECY,
    /** Not a requirement Postfix can request; ignored by {@link SecurityOptions}. */
    PASS_CREDENTIALS
}
