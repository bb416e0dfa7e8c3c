package dev.mailrelay.dns;

import java.net.InetAddress;

/**
 * A resolved next-hop host: the name it was found under, its address, the port to dial and the
 * port as the next hop named it.
 *
 * @param name        the host name (for {@code relay=name[addr]:port})
 * @param address     its loopback address
 * @param port        the port to connect to (the bound port of the instance's listener), or
 *                    {@link #NOT_LISTENING} when the instance has no listener for that service
 * @param nominalPort the port the next hop named (25, 587, 465, ...)
 */
public record Endpoint(String name, InetAddress address, int port, int nominalPort) {

    /** The host exists but nothing listens on the service: a connection is refused without dialling. */
    public static final int NOT_LISTENING = 0;

    /** Postfix's {@code name[addr]:port} with the nominal port, as its logs show it. */
    @Override
    public String toString() {
        return name + "[" + address.getHostAddress() + "]:" + nominalPort;
    }
}
