package dev.mailrelay.robust;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Many idle SMTP connections, held by a child JVM so that their file descriptors do not count
 * against the test JVM's (which holds the server's side of each). Each connection reads its greeting
 * and then sends nothing; closing this object ends the child and so every connection.
 */
final class IdleClients implements AutoCloseable {

    private final Process process;
    private final int greeted;

    private IdleClients(Process process, int greeted) {
        this.process = process;
        this.greeted = greeted;
    }

    static IdleClients open(int port, int count) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xss256k", "-cp", System.getProperty("java.class.path"),
                IdleClients.class.getName(), String.valueOf(port), String.valueOf(count))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();   // the child exits (EOF) if anything fails
        if (line == null || !line.startsWith("GREETED ")) {
            p.destroyForcibly();
            throw new IOException("idle clients failed: " + line);
        }
        return new IdleClients(p, Integer.parseInt(line.substring(8).strip()));
    }

    int greeted() {
        return greeted;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.getOutputStream().close();   // the child exits at end of its input
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** The child: opens the connections, reports how many were greeted with 220, waits for stdin EOF. */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        List<Socket> sockets = new ArrayList<>(count);
        int greeted = 0;
        byte[] buf = new byte[512];
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            s.setSoTimeout(30_000);
            sockets.add(s);
            InputStream in = s.getInputStream();
            int n = in.read(buf);
            if (n >= 4 && buf[0] == '2' && buf[1] == '2' && buf[2] == '0') {
                greeted++;
            }
        }
        System.out.println("GREETED " + greeted);
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our input
        }
        for (Socket s : sockets) {
            s.close();
        }
    }
}
