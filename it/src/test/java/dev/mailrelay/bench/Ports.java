package dev.mailrelay.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Loopback ports for the external servers (smtp-sink, a private Postfix). */
final class Ports {

    private Ports() {
    }

    /** A port that was free a moment ago (bound to 0 and released). */
    static int free() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until something accepts connections on the port. An external program gives no other
     * signal that its listener is up, so this tries to connect until it succeeds (a refused connect
     * returns at once), bounded by {@code timeout}.
     */
    static void awaitListening(int port, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            } catch (IOException e) {
                last = e;
                Thread.onSpinWait();
                Thread.yield();
            }
        }
        throw new IOException("nothing listens on 127.0.0.1:" + port + " after " + timeout, last);
    }
}
