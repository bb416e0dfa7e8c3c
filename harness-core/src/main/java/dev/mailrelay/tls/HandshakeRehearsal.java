package dev.mailrelay.tls;

import dev.mailrelay.capture.Maillog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;

/**
 * One TLS handshake between two {@link SSLEngine}s in memory, with the harness CA as the server's
 * identity, run by {@link HarnessCa#prepare()} on its daemon thread: a cold JVM's first handshake
 * is mostly JSSE's classes loading and its key exchange, signing and verifying running for the
 * first time, and the rehearsal does that on the other core while instances start, so the first
 * STARTTLS of a test finds it done. Nothing of it is kept: no session, no socket, no state an
 * instance or client uses.
 */
final class HandshakeRehearsal {
    private static final Logger log = Maillog.logger(HandshakeRehearsal.class);
    /** Far more than the few flights of a TLS 1.2 or 1.3 handshake and its session ticket. */
    private static final int MAX_ROUNDS = 50;

    private HandshakeRehearsal() {
    }

    /** Whether a handshake completed and one record went each way. */
    static boolean run(HarnessCa.ServerIdentity server, SSLContext client) {
        try {
            SSLEngine s = SmtpdTls.sslContext(server.key(), server.chain(), List.of()).createSSLEngine();
            s.setUseClientMode(false);
            SSLEngine c = client.createSSLEngine("mailrelay-rehearsal.invalid", 0);
            c.setUseClientMode(true);
            exchange(c, s);
            return true;
        } catch (GeneralSecurityException | SSLException | RuntimeException e) {
            // Only a head start is lost: the first real handshake does this work itself.
            log.debug("TLS handshake rehearsal failed: {}", e.toString());
            return false;
        }
    }

    private static void exchange(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        ByteBuffer toClient = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        ByteBuffer clientIn = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        ByteBuffer serverIn = ByteBuffer.allocate(server.getSession().getApplicationBufferSize());
        ByteBuffer clientOut = ByteBuffer.wrap("EHLO rehearsal\r\n".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer serverOut = ByteBuffer.wrap("250 rehearsal\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int round = 0; round < MAX_ROUNDS; round++) {
            client.wrap(clientOut, toServer);
            server.wrap(serverOut, toClient);
            toServer.flip();
            toClient.flip();
            client.unwrap(toClient, clientIn);
            server.unwrap(toServer, serverIn);
            toServer.compact();
            toClient.compact();
            runTasks(client);
            runTasks(server);
            if (!clientOut.hasRemaining() && !serverOut.hasRemaining() && clientIn.position() > 0
                    && serverIn.position() > 0 && idle(client) && idle(server)) {
                return;
            }
        }
        throw new SSLException("no handshake after " + MAX_ROUNDS + " rounds");
    }

    private static boolean idle(SSLEngine e) {
        return e.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                || e.getHandshakeStatus() == HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine e) {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
