package dev.mailrelay.xsasl;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Cyrus {@code pwcheck_method: saslauthd}: checks a plaintext password with a running saslauthd over
 * its unix socket ({@code saslauthd_path}, default {@code /var/run/saslauthd/mux}), as Cyrus 2.1.28's
 * checkpw.c does. The request is four counted strings (2-byte big-endian length, then the bytes):
 * login, password, service, realm, where a login containing {@code @} is split at the last one into
 * login and realm. The reply is one counted string, {@code OK...} for success, anything else
 * ({@code NO ...}) for a wrong password. A socket that cannot be reached, a short reply or one without
 * at least two bytes is Cyrus' SASL_FAIL, which Postfix answers with 454.
 *
 * <pre>{@code
 * SaslauthdClient saslauthd = new SaslauthdClient(Path.of("/var/run/saslauthd/mux"));
 * boolean ok = saslauthd.verify("alice@example.com", "secret".toCharArray(), "smtp", "");
 * }</pre>
 *
 * One connection per check, as Cyrus; the password is cleared from the request buffer after sending
 * and never logged.
 */
public final class SaslauthdClient {
    /** How long one check may take before it counts as a failure to reach saslauthd. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path socket;

    /** @param socket the saslauthd {@code mux} socket */
    public SaslauthdClient(Path socket) {
        this.socket = socket;
    }

    /** The socket this client talks to. */
    public Path socket() {
        return socket;
    }

    /**
     * Checks a password.
     *
     * @param user      the canonical user ({@code login} or {@code login@realm})
     * @param password  the password; not cleared by this method
     * @param service   the SASL service name ({@code smtp})
     * @param userRealm the user realm used when {@code user} has no {@code @} (may be empty)
     * @return whether saslauthd answered {@code OK}
     * @throws IOException when saslauthd cannot be reached or answers malformed
     */
    public boolean verify(String user, char[] password, String service, String userRealm) throws IOException {
        String login = user;
        String realm = userRealm == null ? "" : userRealm;
        int at = user.lastIndexOf('@');
        if (at >= 0) {
            login = user.substring(0, at);
            realm = user.substring(at + 1);
        }
        byte[] secret = SaslBytes.utf8(password);
        ByteBuffer request = ByteBuffer.allocate(8 + SaslBytes.utf8(login).length + secret.length
                + SaslBytes.utf8(service).length + SaslBytes.utf8(realm).length);
        try {
            putCounted(request, SaslBytes.utf8(login));
            putCounted(request, secret);
            putCounted(request, SaslBytes.utf8(service));
            putCounted(request, SaslBytes.utf8(realm));
            request.flip();
            CompletableFuture<Boolean> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return exchange(request);
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try {
                return result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c ? c.getCause() : e.getCause();
                throw cause instanceof IOException io ? io : new IOException(cause);
            } catch (TimeoutException e) {
                result.cancel(true);
                throw new IOException("saslauthd did not answer within " + TIMEOUT.toSeconds() + "s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        } finally {
            SaslBytes.clear(secret);
            java.util.Arrays.fill(request.array(), (byte) 0);
        }
    }

    private boolean exchange(ByteBuffer request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            while (request.hasRemaining()) {
                channel.write(request);
            }
            ByteBuffer count = readFully(channel, 2, "size read failed");
            int length = count.getShort() & 0xffff;
            if (length < 2) {
                throw new IOException("bad response from saslauthd");
            }
            ByteBuffer reply = readFully(channel, Math.min(length, 1023), "read failed");
            return new String(reply.array(), 0, reply.limit(), StandardCharsets.US_ASCII).startsWith("OK");
        } catch (IOException e) {
            if (e.getMessage() != null && (e.getMessage().contains("failed") || e.getMessage().startsWith("bad"))) {
                throw e;
            }
            throw new IOException("cannot connect to saslauthd server: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readFully(SocketChannel channel, int n, String error) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException(error);
            }
        }
        b.flip();
        return b;
    }

    private static void putCounted(ByteBuffer buffer, byte[] value) throws IOException {
        if (value.length > 0xffff) {
            throw new IOException("saslauthd request too large");
        }
        buffer.putShort((short) value.length);
        buffer.put(value);
    }

    @Override
    public String toString() {
        return "SaslauthdClient[" + socket + "]";
    }
}
