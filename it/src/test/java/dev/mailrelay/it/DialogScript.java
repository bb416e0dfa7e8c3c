package dev.mailrelay.it;

import dev.mailrelay.xsasl.ClientCredentials;
import dev.mailrelay.xsasl.SaslClient;
import dev.mailrelay.xsasl.SecurityOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the commands of a differential dialog on one connection and records each exchange with its
 * replies masked ({@link #mask}): what {@link PostfixFidelityTest} and {@link SmtpdDifferentialFuzzTest}
 * compare between Postfix and the harness. Every method sends the same bytes whatever the server
 * answers, except where a method says it follows the server (DATA content after 354, SASL responses
 * to 334 challenges, the TLS handshake after 220), so that both servers see one script.
 *
 * <pre>{@code
 * try (SmtpDialog d = SmtpDialog.open("127.0.0.1", port, null)) {
 *     DialogScript s = new DialogScript(d);
 *     s.record("(connect)", d.greeting());
 *     s.send("EHLO c");
 *     s.sasl("CRAM-MD5", false, "alice@example.com", "secret");
 *     s.send("QUIT");
 *     List<String> transcript = s.transcript;
 * }
 * }</pre>
 */
final class DialogScript {
    /** One command (as sent, or a description such as {@code <CRAM-MD5 response>}) and its masked reply. */
    record Exchange(String command, List<String> reply) {
    }

    final SmtpDialog d;
    /** The dialog as text: {@code C: } and {@code S: } lines, long commands shortened. */
    final List<String> transcript = new ArrayList<>();
    /** The same dialog, one entry per exchange, commands in full. */
    final List<Exchange> exchanges = new ArrayList<>();

    DialogScript(SmtpDialog d) {
        this.d = d;
    }

    /** Sends one line (CRLF appended) and records its reply. */
    List<String> send(String command) {
        return record(command, d.send(command));
    }

    /** Records an exchange; returns the reply unmasked. */
    List<String> record(String command, List<String> reply) {
        transcript.add("C: " + (command.length() > 60 ? command.substring(0, 60) + "..." : command));
        List<String> masked = reply.stream().map(DialogScript::mask).toList();
        masked.forEach(l -> transcript.add("S: " + l));
        exchanges.add(new Exchange(command, masked));
        return reply;
    }

    /** Writes all lines in one go (PIPELINING), then reads one reply per line. */
    void pipelined(String... commands) {
        d.writeRaw(String.join("\r\n", commands) + "\r\n");
        for (String c : commands) {
            record(c + " (pipelined)", d.reply());
        }
    }

    /**
     * Sends DATA and, after a 354, {@code content} (CRLF appended, so a content ending in
     * {@code "\r\n."} ends the message); without a 354 the content is not sent.
     */
    List<String> data(String content) {
        List<String> reply = send("DATA");
        if (reply.get(0).startsWith("354")) {
            return send(content);
        }
        return reply;
    }

    /** Writes a BDAT command line and its chunk (the bytes of {@code chunk}, ISO-8859-1) in one go; reads one reply. */
    List<String> bdat(String command, String chunk) {
        d.writeRaw(command + "\r\n" + chunk);
        return record(command + " +" + chunk.length() + " bytes", d.reply());
    }

    /**
     * Writes {@code raw} (ISO-8859-1, BDAT chunks and command lines as they come) in one go, then reads
     * one reply for each of {@code labels}, the commands it holds: BDAT pipelined with other commands.
     */
    void pipelinedRaw(String raw, String... labels) {
        d.writeRaw(raw);
        for (String label : labels) {
            record(label + " (pipelined)", d.reply());
        }
    }

    /** Sends STARTTLS and, after a 220 reply, does the TLS handshake. */
    List<String> starttls() {
        List<String> reply = send("STARTTLS");
        if (reply.get(0).startsWith("220 ")) {
            handshake();
        }
        return reply;
    }

    /** Sends STARTTLS and a pipelined command in one write, then the handshake, then reads on. */
    void starttlsPipelined(String command) {
        d.write("STARTTLS\r\n" + command);
        List<String> reply = d.reply();
        record("STARTTLS (pipelined)", reply);
        if (reply.get(0).startsWith("220 ")) {
            handshake();
        }
        transcript.add("S (after the handshake): " + d.send("NOOP").stream().map(DialogScript::mask).toList());
    }

    /** The TLS handshake after 220; a failed one fails the dialog (both servers failing alike proves nothing). */
    private void handshake() {
        String protocol = d.startTls();
        if (!protocol.startsWith("TLSv")) {
            throw new AssertionError("TLS handshake failed: " + protocol + "\n" + String.join("\n", transcript));
        }
        transcript.add("(TLS handshake)");
    }

    /**
     * {@code AUTH mechanism} as a client of that mechanism does it (the harness's own SASL client, so
     * every mechanism with a challenge works), with the initial response on the AUTH line if
     * {@code initialResponse} and the mechanism has one, else sent after the first (empty) 334; each
     * further 334 is answered, a challenge the client cannot answer with {@code *}.
     */
    void sasl(String mechanism, boolean initialResponse, String user, String password) {
        SaslClient client = new SaslClient(ClientCredentials.password(user, password.toCharArray()),
                SecurityOptions.parse(""), "smtp", "mail.example.com");
        String initial;
        try {
            initial = client.first(mechanism).initialResponse();
        } catch (SaslClient.SaslClientException e) {
            throw new IllegalArgumentException("no SASL client for " + mechanism, e);
        }
        List<String> reply = initial != null && initialResponse
                ? record("AUTH " + mechanism + " <initial response>", d.send("AUTH " + mechanism + " " + initial))
                : send("AUTH " + mechanism);
        boolean initialPending = initial != null && !initialResponse;
        for (int round = 0; round < 5 && reply.get(0).startsWith("334"); round++) {
            String response;
            if (initialPending) {
                response = initial;
                initialPending = false;
            } else {
                try {
                    response = client.next(reply.get(0).substring(4).strip());
                } catch (SaslClient.SaslClientException | RuntimeException e) {
                    response = "*";
                }
            }
            reply = record("<" + mechanism + " response>", d.send(response));
        }
    }

    /** A reply line with its volatile parts masked: SASL challenges other than LOGIN's fixed prompts, queue ids. */
    static String mask(String line) {
        if (line.startsWith("334 ")) {
            String c = line.substring(4);
            return c.isEmpty() || c.equals("VXNlcm5hbWU6") || c.equals("UGFzc3dvcmQ6") ? line : "334 <challenge>";
        }
        return line.replaceAll("queued as [0-9A-Za-z]+", "queued as <id>");
    }

    /** {@code s} as a Java string literal. */
    static String javaLiteral(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
