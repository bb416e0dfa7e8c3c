package dev.mailrelay.xsasl;

/**
 * A mechanism step failed with a Cyrus status. The message is the fixed Cyrus text only, never
 * anything the peer sent.
 */
final class SaslFailure extends Exception {
    private final CyrusStatus status;

    SaslFailure(CyrusStatus status) {
        super(status.text(), null, false, false);
        this.status = status;
    }

    CyrusStatus status() {
        return status;
    }
}
