package dev.mailrelay.xsasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Dovecot client protocol line by line, against a scripted fake auth server on loopback. */
class DovecotServerImplTest {
    private ServerSocket listener;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private volatile Socket client;

    /** Serves one connection: the handshake, then answers each AUTH/CONT by {@code answer}. */
    private int fakeDovecot(java.util.function.Function<String, String> answer) throws Exception {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Socket s = listener.accept();
                    client = s;
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream raw = s.getOutputStream();
                    PrintWriter out = new PrintWriter(raw, true, StandardCharsets.UTF_8);
                    out.print("VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\n"
                            + "MECH\tCRAM-MD5\tdictionary\tactive\nMECH\tSECRET\tprivate\nSPID\t1\nCUID\t1\nCOOKIE\tx\nDONE\n");
                    out.flush();
                    String line;
                    while ((line = in.readLine()) != null) {
                        received.add(line);
                        String reply = answer.apply(line);
                        if (reply == null) {
                            s.close();
                            break;
                        }
                        if (!reply.isEmpty()) {
                            out.print(reply + "\n");
                            out.flush();
                        }
                    }
                }
            } catch (Exception e) {
                // listener closed
            }
        }, "fake-dovecot");
        t.setDaemon(true);
        t.start();
        return listener.getLocalPort();
    }

    @AfterEach
    void close() throws Exception {
        if (listener != null) {
            listener.close();
        }
    }

    private static String id(String line) {
        return line.split("\t")[1];
    }

    @Test
    void handshakeMechanismsRequestLineAndReplies() throws Exception {
        int port = fakeDovecot(line -> line.startsWith("VERSION") || line.startsWith("CPID") ? ""
                : line.startsWith("AUTH") && line.contains("resp=") ? "OK\t" + id(line) + "\tuser=alice"
                : line.startsWith("AUTH") ? "CONT\t" + id(line) + "\tVXNlcm5hbWU6"
                : "FAIL\t" + id(line) + "\tuser=bob\treason=Password expired");
        try (SaslServerImpl impl = DovecotServerImpl.create("inet:127.0.0.1:" + port, Path.of("."), null)) {
            SaslServer plainOnly = impl.newServer(new SaslServerRequest("smtp", "mx", "", SecurityOptions.parse("noanonymous"), true,
                    "192.0.2.7", "127.0.0.1"));
            assertEquals(List.of("PLAIN", "LOGIN", "CRAM-MD5"), plainOnly.mechanisms());
            assertEquals("VERSION\t1\t0", received.poll(5, TimeUnit.SECONDS));
            assertTrue(received.poll(5, TimeUnit.SECONDS).startsWith("CPID\t"));

            assertEquals(SaslResult.Status.DONE, plainOnly.first("PLAIN", "AGFsaWNlAHNlY3JldA==").status());
            assertEquals("AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\trip=192.0.2.7\tsecured"
                    + "\tresp=AGFsaWNlAHNlY3JldA==", received.poll(5, TimeUnit.SECONDS));
            assertEquals("alice", plainOnly.username());

            SaslServer login = impl.newServer(new SaslServerRequest("smtp", "mx", "", SecurityOptions.parse("noplaintext"), false,
                    "192.0.2.8", "127.0.0.1"));
            assertEquals(List.of("CRAM-MD5"), login.mechanisms());
            assertEquals(new SaslResult(SaslResult.Status.FAIL, "Invalid authentication mechanism"),
                    login.first("LOGIN", null));
            SaslResult cont = login.first("CRAM-MD5", null);
            assertEquals(SaslResult.more("VXNlcm5hbWU6"), cont);
            assertEquals("AUTH\t2\tCRAM-MD5\tservice=smtp\tnologin\tlip=127.0.0.1\trip=192.0.2.8",
                    received.poll(5, TimeUnit.SECONDS));
            assertEquals(SaslResult.fail("Password expired"), login.next("YWJj"));
            assertEquals("CONT\t2\tYWJj", received.poll(5, TimeUnit.SECONDS));
            assertEquals("bob", login.username());
            assertEquals(SaslResult.fail("Invalid base64 data in continued response"), login.next("a b"));
            assertEquals(SaslResult.fail("Invalid base64 data in initial response"), login.first("CRAM-MD5", "!"));
        }
    }

    @Test
    void lostConnectionIsTempAndTheNextRequestReconnects() throws Exception {
        int port = fakeDovecot(line -> line.startsWith("VERSION") || line.startsWith("CPID") ? ""
                : line.contains("resp=Y2xvc2U=") ? null
                : "OK\t" + id(line) + "\tuser=alice");
        try (SaslServerImpl impl = DovecotServerImpl.create("inet:127.0.0.1:" + port, Path.of("."), null)) {
            SaslServer s = impl.newServer(new SaslServerRequest("smtp", "mx", "", SecurityOptions.parse("noanonymous"),
                    false, "192.0.2.7", "127.0.0.1"));
            s.mechanisms();
            assertEquals(SaslResult.temp("Connection lost to authentication server"), s.first("PLAIN", "Y2xvc2U="));
            assertNull(s.username());
            SaslServer next = impl.newServer(new SaslServerRequest("smtp", "mx", "",
                    SecurityOptions.parse("noanonymous"), false, "192.0.2.7", "127.0.0.1"));
            next.mechanisms();
            assertEquals(SaslResult.done(), next.first("PLAIN", "AGFsaWNlAHNlY3JldA=="));
        }
    }

    @Test
    void tabEscapeAsDovecot() {
        assertEquals("a\001tb\001nc\0011", DovecotServerImpl.tabEscape("a\tb\nc\001"));
        assertEquals("x?y", DovecotServerImpl.printable("x\001y"));
    }
}
