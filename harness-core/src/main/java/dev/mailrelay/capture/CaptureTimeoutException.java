package dev.mailrelay.capture;

/** A wait on the capture ran out; the message says what was expected and what did arrive. */
public class CaptureTimeoutException extends RuntimeException {
    public CaptureTimeoutException(String message) {
        super(message);
    }
}
