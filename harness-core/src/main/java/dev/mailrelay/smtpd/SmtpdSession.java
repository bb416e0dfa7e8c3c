package dev.mailrelay.smtpd;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.capture.Transcript;
import dev.mailrelay.capture.ContentStore;
import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.global.QueueIds;
import dev.mailrelay.global.SmtpStreamDeadline;
import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tls.TlsDetails;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;

/**
 * One SMTP server session, as smtpd(8) runs it: the greeting, then one command at a time (pipelined
 * input is read as it comes, replies are flushed when no more input waits), with Postfix's replies,
 * error counting and limits, until QUIT, a fatal error, a timeout or a lost connection.
 */
final class SmtpdSession implements Runnable, Restrictions.State {

    private static final Logger log = Maillog.logger("dev.mailrelay.smtpd");

    /** A command handler; returns false when the command failed (Postfix counts it as an error). */
    @FunctionalInterface
    interface Command {
        boolean run(SmtpdSession session, String arg) throws IOException;
    }

    private static final Map<String, Command> COMMANDS = Map.ofEntries(
            Map.entry("HELO", SmtpdSession::helo),
            Map.entry("EHLO", SmtpdSession::ehlo),
            Map.entry("STARTTLS", SmtpdSession::starttls),
            Map.entry("AUTH", SmtpdSasl::auth),
            Map.entry("MAIL", SmtpdSession::mail),
            Map.entry("RCPT", SmtpdSession::rcpt),
            Map.entry("DATA", SmtpdSession::data),
            Map.entry("BDAT", SmtpdSession::bdat),
            Map.entry("RSET", SmtpdSession::rset),
            Map.entry("NOOP", SmtpdSession::noop),
            Map.entry("VRFY", SmtpdSession::vrfy),
            Map.entry("ETRN", SmtpdSession::etrn),
            Map.entry("XCLIENT", (session, arg) -> session.xcommand("XCLIENT", arg)),
            Map.entry("XFORWARD", (session, arg) -> session.xcommand("XFORWARD", arg)),
            Map.entry("QUIT", SmtpdSession::quit));
    /**
     * Commands that count toward smtpd_junk_command_limit: smtpd.c's SMTPD_CMD_FLAG_LIMIT, on HELO,
     * EHLO, RSET, NOOP, VRFY and ETRN, so that none of them can be repeated forever.
     */
    private static final List<String> JUNK = List.of("HELO", "EHLO", "NOOP", "VRFY", "ETRN", "RSET");
    /** Commands allowed before STARTTLS when TLS is required (smtpd.c's SMTPD_CMD_FLAG_PRE_TLS). */
    private static final List<String> PRE_TLS = List.of("HELO", "EHLO", "XCLIENT", "STARTTLS", "NOOP", "QUIT");
    /**
     * smtpd_forbidden_commands' default, {@code CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}}: HTTP and
     * proxy requests, and lines that do not start with a letter, end the session.
     */
    private static final List<String> FORBIDDEN = List.of("CONNECT", "GET", "POST");

    final SmtpdSettings settings;
    /** The client connection: the TCP socket, or the TLS socket layered over it after the handshake. */
    private Socket socket;
    /** The local address the client connected to (Dovecot's {@code lip}). */
    private final java.net.InetAddress serverAddress;
    private final long id;
    private final InetAddress clientAddress;
    private final String clientName;
    SmtpdStream stream;
    /** smtpd_timeout on every read and write, per request with smtpd_per_request_deadline. */
    private final SmtpStreamDeadline deadline;
    /** The TLS session, or {@code null} before STARTTLS (or the wrapper-mode handshake). */
    private TlsDetails tls;
    /** Whether the client's certificate is trusted by smtpd_tls_CAfile (for the Received header). */
    private boolean clientCertificateTrusted;
    private final Instant start = Instant.now();
    private final Transcript transcript;
    private final Map<String, int[]> counters = new LinkedHashMap<>();
    private List<String> pendingReply = new ArrayList<>();

    private String helo;
    private boolean esmtp;
    final SmtpdSasl sasl;
    final SmtpdFaults faults;
    private int errorCount;
    private int junkCommands;
    private boolean quit;
    /** Whether anvil counted this connection (and must be told it ended). */
    private boolean anvilConnected;

    // The current mail transaction.
    private String queueId;
    private String sender;
    private final List<String> recipients = new ArrayList<>();
    /**
     * smtpd.c's rcpt_count: the recipients accepted since RSET, HELO/EHLO, STARTTLS or the last
     * message (rcpt_reset()). A refused BDAT LAST resets the transaction but not this count.
     */
    private int rcptCount;
    private boolean smtputf8Requested;
    /**
     * The last SIZE= value, as smtpd.c's state->msg_size: it outlives a MAIL command that failed and
     * counts for the next one until the transaction is reset (RSET, HELO/EHLO, a delivered message).
     */
    private long declaredSize;
    /**
     * smtpd.c's bdat_state: not processing BDAT; accepting chunks; or, after a refused chunk, reading
     * and discarding every chunk until BDAT LAST, RSET, HELO/EHLO or STARTTLS (mail_reset()).
     */
    private enum BdatState { NONE, OK, ERROR }

    private BdatState bdatState = BdatState.NONE;
    /** The content of the BDAT transaction so far, as cleanup's records; {@code null} outside BdatState.OK. */
    private ContentStore.Writer bdatContent;
    /** bdat_cmd()'s line buffer, carried from chunk to chunk; made at the first BDAT of the session. */
    private BdatRecords bdatRecords;
    /** A piece of a BDAT chunk as it is read (VSTREAM_BUFSIZE bytes); made with {@link #bdatRecords}. */
    private byte[] bdatPiece;
    /**
     * smtpd.c's act_size: the bytes of the message content as stored, each record's length + 2, which
     * message_size_limit bounds and "250 2.0.0 Ok: N bytes queued as" reports.
     */
    private long actSize;
    /** smtpd.c's CLEANUP_STAT_SIZE: a record did not fit message_size_limit; the rest is read and dropped. */
    private boolean sizeExceeded;
    /** The access-table actions of this transaction. */
    private final SavedActions saved = new SavedActions();

    java.net.InetAddress serverAddress() {
        return serverAddress;
    }

    SmtpdSession(SmtpdSettings settings, Socket socket, long id) throws IOException {
        this.settings = settings;
        this.transcript = new Transcript(settings.transcriptLimit);
        this.socket = socket;
        this.id = id;
        this.clientAddress = socket.getInetAddress();
        this.serverAddress = socket.getLocalAddress();
        // The harness's virtual network has no reverse DNS: loopback is "localhost" as in
        // /etc/hosts, every other address is "unknown", as Postfix shows an unresolvable client.
        this.clientName = clientAddress.isLoopbackAddress() && (clientAddress.getHostAddress().equals("127.0.0.1")
                || clientAddress.getHostAddress().equals("0:0:0:0:0:0:0:1")) ? "localhost" : "unknown";
        this.deadline = new SmtpStreamDeadline(socket, settings.timeout, settings.perRequestDeadline);
        this.stream = new SmtpdStream(socket.getInputStream(), socket.getOutputStream(), deadline);
        this.sasl = new SmtpdSasl(this);
        this.faults = new SmtpdFaults(this);
    }

    @Override
    public void run() {
        log.info("{}/smtpd[{}]: connect from {}", settings.instance, id, clientNameAddress());
        deadline.watch();
        try {
            stream.startRequest();
            // A multi-line reply (EHLO) is flushed line by line; without TCP_NODELAY Nagle holds the
            // later lines until the client's delayed ACK, about 40 ms on every new connection.
            socket.setTcpNoDelay(true);
            if (settings.tls.wrapperMode() && !startTls()) {
                endExchange(null);
                return;
            }
            if (limitedByAnvil()) {
                int count = settings.anvil.connect(clientAddress.getHostAddress());
                anvilConnected = true;
                if (settings.connectionCountLimit > 0 && count > settings.connectionCountLimit) {
                    // smtpd.c: the 421 replaces the greeting and the session ends.
                    log.warn("{}/smtpd[{}]: warning: Connection concurrency limit exceeded: {} from {} for service {}",
                            settings.instance, id, count, clientNameAddress(), settings.service);
                    reply("421 4.7.0 " + settings.myhostname + " Error: too many connections from "
                            + clientAddress.getHostAddress());
                    endExchange(null);
                    return;
                }
            }
            if (faults.greeting() == SmtpdFaults.Verdict.PROCEED) {
                reply("220 " + settings.banner);
            }
            endExchange(null);
            commandLoop();
        } catch (SocketTimeoutException e) {
            log.info("{}/smtpd[{}]: timeout after {} from {}", settings.instance, id, where(), clientNameAddress());
            try {
                stream.startRequest();   // smtpd.c: the 421 gets a fresh time budget
                reply("421 4.4.2 " + settings.myhostname + " Error: timeout exceeded");
                endExchange(null);
            } catch (IOException ignored) {
                // the client is gone; nothing more to tell it
            }
        } catch (IOException e) {
            log.info("{}/smtpd[{}]: lost connection after {} from {}", settings.instance, id, where(),
                    clientNameAddress());
        } catch (RuntimeException e) {
            // A bug must not take the listener down; the client gets Postfix's answer to an internal error.
            log.error("{}/smtpd[{}]: internal error after {} from {}: {}", settings.instance, id, lastCommand(),
                    clientNameAddress(), e.toString(), e);
            try {
                reply("421 4.3.0 " + settings.myhostname + " Error: internal error");
                endExchange(null);
            } catch (IOException ignored) {
                // the client is gone
            }
        } finally {
            if (anvilConnected) {
                settings.anvil.disconnect(clientAddress.getHostAddress());
            }
            close();
            deadline.close();
        }
    }

    /** Whether this client counts toward anvil's limits (not in smtpd_client_event_limit_exceptions). */
    boolean limitedByAnvil() {
        return !settings.eventLimitExceptions.matches(clientAddress);
    }

    private void commandLoop() throws IOException {
        while (!quit) {
            stream.startRequest();
            if (errorCount >= settings.hardErrorLimit) {
                reply("421 4.7.0 " + settings.myhostname + " Error: too many errors");
                endExchange(null);
                log.info("{}/smtpd[{}]: too many errors after {} from {}", settings.instance, id, lastCommand(),
                        clientNameAddress());
                return;
            }
            SmtpdStream.RawLine raw = stream.readLine(settings.lineLengthLimit);
            if (raw != null && raw.truncated()) {
                // Postfix keeps the first line_length_limit bytes and logs the excess; the content
                // is not logged here, as it may be an AUTH initial response.
                log.warn("{}/smtpd[{}]: {}: request longer than {}", settings.instance, id, clientNameAddress(),
                        settings.lineLengthLimit);
            }
            if (raw != null && settings.smtputf8 && !validUtf8(raw.bytes())) {
                // smtpd.c: "protect internal interfaces against malformed UTF-8", before anything else.
                lastCommandVerb = "UNKNOWN";
                exchangeLabel = printable(new String(raw.bytes(), StandardCharsets.ISO_8859_1));
                reply("500 5.5.2 Error: bad UTF-8 syntax");
                errorCount++;
                endExchange(exchangeLabel);
                continue;
            }
            String line = raw == null ? null : new String(raw.bytes(), StandardCharsets.UTF_8);
            if (line == null) {
                log.info("{}/smtpd[{}]: lost connection after {} from {}", settings.instance, id, lastCommand(),
                        clientNameAddress());
                return;
            }
            String trimmed = SmtpdToken.strip(line);
            // smtpd_token(): "MAIL<TAB>FROM:<a>" is MAIL, "  RCPT   TO:<b>" is RCPT.
            String[] split = SmtpdToken.verbAndArgument(line);
            String verb = split == null ? "" : split[0].toUpperCase(Locale.ROOT);
            String arg = split == null ? null : split[1];
            lastCommandVerb = verb;
            exchangeLabel = trimmed;
            if (split == null) {
                reply("500 5.5.2 Error: bad syntax");
                errorCount++;
            } else if (FORBIDDEN.contains(verb) || !Character.isLetter(trimmed.charAt(0))) {
                count("unknown", false);
                log.warn("{}/smtpd[{}]: non-SMTP command from {}: {}", settings.instance, id, clientNameAddress(),
                        printable(trimmed));
                reply("221 2.7.0 Error: I can break rules, too. Goodbye.");
                errorCount++;
                quit = true;
            } else {
                Command command = COMMANDS.get(verb);
                if (command == null) {
                    count("unknown", false);
                    // Postfix 3.7 answers 500, not RFC 5321's 502 (also for HELP, which it lacks).
                    reply("500 5.5.2 Error: command not recognized");
                    errorCount++;
                } else if (faults.command(verb) != SmtpdFaults.Verdict.PROCEED) {
                    count(verb.toLowerCase(Locale.ROOT), false);
                    errorCount++;
                } else if (settings.tls.required() && tls == null && !PRE_TLS.contains(verb)) {
                    count(verb.toLowerCase(Locale.ROOT), false);
                    reply("530 5.7.0 Must issue a STARTTLS command first");
                    errorCount++;
                } else {
                    boolean ok;
                    try {
                        ok = command.run(this, arg);
                    } catch (Restrictions.Hangup e) {
                        // The command counts as tried, not done; the session ends without a reply.
                        count(verb.toLowerCase(Locale.ROOT), false);
                        endExchange(exchangeLabel);
                        return;
                    }
                    count(verb.toLowerCase(Locale.ROOT), ok);
                    if (!ok) {
                        errorCount++;
                    }
                    // As smtpd.c: counted after the command ran, so its own reply is not yet tarpitted;
                    // the 102nd junk command (default limit 100) is the first to count as an error.
                    if (JUNK.contains(verb) && junkCommands++ > settings.junkCommandLimit) {
                        errorCount++;
                    }
                }
            }
            endExchange(exchangeLabel);
        }
    }

    // ---- replies and transcript ------------------------------------------------------------

    /** Sends one reply line, slowed down once the client has made too many errors (smtpd_chat_reply). */
    void reply(String line) throws IOException {
        // smtpd_chat_reply() sends printable text only: a control character the client put in an
        // echoed argument (VRFY, an unsupported MAIL option) must not split or end the reply.
        line = printable(line);
        if (errorCount >= settings.softErrorLimit && !settings.errorSleep.isZero()) {
            stream.flush();
            try {
                // Postfix's tarpit: a deliberate delay of the reply, not a wait for an event.
                Thread.sleep(settings.errorSleep.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        stream.reply(line);
        pendingReply.add(line);
        stream.flushIfIdle();
        if (line.startsWith("421") || line.startsWith("521")) {
            quit = true;    // smtpd_chat_reply(): an orderly disconnect after a 421 or 521 reply
        }
    }

    /** Sends a multi-line reply: all but the last line get a dash after the code. */
    void replyLines(List<String> lines) throws IOException {
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            reply(i < lines.size() - 1 ? l.substring(0, 3) + "-" + l.substring(4) : l);
        }
    }

    /** The verb of the command being handled, for log lines ("lost connection after DATA"). */
    private String lastCommandVerb;
    /** How the transcript shows the exchange being handled; DATA's second reply belongs to ".". */
    private String exchangeLabel;

    /** Records the command just handled with the replies it got, and publishes the session state. */
    void endExchange(String command) {
        transcript.add(new CapturedSession.Exchange(transcriptLabel(command), pendingReply));
        pendingReply = new ArrayList<>();
        publish(null);
    }

    /** Marks an injected fault in the transcript, with the replies of the exchange it struck. */
    void noteFault(Fault fault) {
        pendingReply.add("<fault injected: " + fault + ">");
    }

    /** Ends the session after the current command, with nothing more sent (a 421, an injected disconnect). */
    void hangUp() {
        quit = true;
    }

    boolean hangingUp() {
        return quit;
    }

    /**
     * Records what got the 334 just sent (the AUTH command first, then each SASL response, never
     * its content); the exchange that follows is a hidden response, down to the final 235 or 535.
     */
    void endSaslExchange() {
        transcript.add(new CapturedSession.Exchange(transcriptLabel(exchangeLabel), pendingReply));
        pendingReply = new ArrayList<>();
        exchangeLabel = SmtpdSasl.HIDDEN_RESPONSE;
    }

    /** A command as the transcript shows it: an AUTH command without its initial response. */
    private static String transcriptLabel(String command) {
        return command == null ? null
                : command.toUpperCase(Locale.ROOT).startsWith("AUTH") ? SmtpdSasl.redact(command) : command;
    }

    private void publish(Instant end) {
        settings.capture.record(new CapturedSession(id, settings.instance, settings.service,
                clientAddress.getHostAddress(), socket.getPort(), helo, sasl.method(), sasl.username(),
                tls == null ? null : tls.toTlsInfo(), transcript.snapshot(), start, end));
    }

    private String lastCommand() {
        return lastCommandVerb == null ? "CONNECT" : lastCommandVerb;
    }

    /** Where the session was, for "timeout after ..." and "lost connection after ..." (smtpd.c). */
    private String where() {
        long content = stream.contentBytes();
        return content < 0 ? lastCommand() : lastCommand() + " (" + content + " bytes)";
    }

    private void count(String name, boolean ok) {
        int[] c = counters.computeIfAbsent(name, k -> new int[2]);
        c[1]++;
        if (ok) {
            c[0]++;
        }
    }

    private void close() {
        if (bdatContent != null) {
            bdatContent.discard();  // a BDAT transaction cut off: its spool file goes
        }
        try {
            stream.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        StringBuilder stats = new StringBuilder();
        int total = 0;
        int totalOk = 0;
        for (Map.Entry<String, int[]> e : counters.entrySet()) {
            int[] c = e.getValue();
            stats.append(' ').append(e.getKey()).append('=').append(c[0]);
            if (c[0] != c[1]) {
                stats.append('/').append(c[1]);
            }
            total += c[1];
            totalOk += c[0];
        }
        stats.append(" commands=").append(totalOk);
        if (totalOk != total) {
            stats.append('/').append(total);
        }
        log.info("{}/smtpd[{}]: disconnect from {}{}", settings.instance, id, clientNameAddress(), stats);
        publish(Instant.now());
    }

    // ---- Restrictions.State -------------------------------------------------------------------

    @Override
    public SmtpdSettings settings() {
        return settings;
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public String clientNameAddress() {
        return clientName + "[" + clientAddress.getHostAddress() + "]";
    }

    @Override
    public String helo() {
        return helo;
    }

    @Override
    public String sender() {
        return sender;
    }

    @Override
    public String saslUsername() {
        return sasl.username();
    }

    @Override
    public SavedActions saved() {
        return saved;
    }

    @Override
    public void logWhatsup(String whatsup, String recipient, String text) {
        logWhatsup(queueId == null ? "NOQUEUE" : queueId, whatsup, lastCommand(), text, sender, recipient, "");
    }

    /** smtpd_check.c's log_whatsup(): what is unknown at the stage (sender, recipient, HELO) is left out. */
    void logWhatsup(String queue, String whatsup, String stage, String text, String from, String to, String note) {
        String line = String.format("%s/smtpd[%d]: %s: %s: %s from %s: %s; %s%sproto=%s%s%s", settings.instance, id,
                queue, whatsup, stage, clientNameAddress(), text,
                from == null ? "" : "from=<" + settings.logAddrForm.format(from) + "> ",
                to == null ? "" : "to=<" + settings.logAddrForm.format(to) + "> ", esmtp ? "ESMTP" : "SMTP", helo == null ? "" : " helo=<" + helo + ">",
                note);
        if (whatsup.equals("warn")) {
            log.warn(line);
        } else {
            log.info(line);
        }
    }

    long id() {
        return id;
    }

    boolean tlsActive() {
        return tls != null;
    }

    boolean inTransaction() {
        return sender != null;
    }

    String queueId() {
        return queueId;
    }

    // ---- commands ---------------------------------------------------------------------------

    private boolean helo(String arg) throws IOException {
        if (arg == null) {
            reply("501 Syntax: HELO hostname");
            return false;
        }
        resetTransaction();
        helo = String.join(" ", SmtpdToken.words(arg));    // collapse_args()
        esmtp = false;
        reply("250 " + settings.myhostname);
        return true;
    }

    private boolean ehlo(String arg) throws IOException {
        if (arg == null) {
            reply("501 Syntax: EHLO hostname");
            return false;
        }
        resetTransaction();
        helo = String.join(" ", SmtpdToken.words(arg));    // collapse_args()
        esmtp = true;
        List<String> lines = new ArrayList<>();
        lines.add("250 " + settings.myhostname);
        addKeyword(lines, "PIPELINING", "PIPELINING");
        if (settings.messageSizeLimit > 0) {
            addKeyword(lines, "SIZE", "SIZE " + settings.messageSizeLimit);
        } else {
            addKeyword(lines, "SIZE", "SIZE");
        }
        if (!settings.disableVrfy) {
            addKeyword(lines, "VRFY", "VRFY");
        }
        addKeyword(lines, "ETRN", "ETRN");
        if (settings.tls.offered() && tls == null) {
            addKeyword(lines, "STARTTLS", "STARTTLS");
        }
        List<String> mechanisms = sasl.offeredMechanisms();
        if (!mechanisms.isEmpty()) {
            addKeyword(lines, "AUTH", "AUTH " + String.join(" ", mechanisms));
            if (settings.brokenSaslAuthClients) {
                addKeyword(lines, "AUTH", "AUTH=" + String.join(" ", mechanisms));
            }
        }
        addKeyword(lines, "ENHANCEDSTATUSCODES", "ENHANCEDSTATUSCODES");
        addKeyword(lines, "8BITMIME", "8BITMIME");
        addKeyword(lines, "DSN", "DSN");
        if (settings.smtputf8) {
            addKeyword(lines, "SMTPUTF8", "SMTPUTF8");
        }
        addKeyword(lines, "CHUNKING", "CHUNKING");
        replyLines(lines);
        return true;
    }

    private void addKeyword(List<String> lines, String keyword, String line) {
        if (!settings.discardEhloKeywords.contains(keyword.toLowerCase(Locale.ROOT))) {
            lines.add("250 " + line);
        }
    }

    private boolean mail(String arg) throws IOException {
        if (settings.heloRequired && helo == null) {
            reply("503 5.5.1 Error: send HELO/EHLO first");
            return false;
        }
        if (sender != null) {
            reply("503 5.5.1 Error: nested MAIL command");
            return false;
        }
        if (bdatState != BdatState.NONE) {
            reply("503 5.5.1 Error: MAIL after BDAT");     // a refused BDAT before MAIL: chunks are skipped
            return false;
        }
        SmtpdAddress.Parsed parsed;
        try {
            parsed = SmtpdAddress.parse(arg, "FROM:", settings.strictRfc821Envelopes);
        } catch (SmtpdAddress.BadAddress e) {
            reply(e.syntaxOnly ? "501 5.5.4 Syntax: MAIL FROM:<address>" : "501 5.1.7 Bad sender address syntax");
            return false;
        }
        // smtpd.c looks for SMTPUTF8 before the address is judged: it decides what address syntax is permitted.
        boolean utf8 = settings.smtputf8 && parsed.parameters().stream().anyMatch(p -> p.equalsIgnoreCase("SMTPUTF8"));
        if (!SmtpdAddress.resolvable(parsed.address(), utf8, settings.resolveLocal::matches)) {
            reply("501 5.1.7 Bad sender address syntax");
            return false;
        }
        // smtpd.c's mail_cmd(): the first bad parameter is answered; SIZE is judged against the limit
        // only after all of them; RET and ENVID may come once.
        boolean ret = false;
        boolean envid = false;
        for (String p : parsed.parameters()) {
            String upper = p.toUpperCase(Locale.ROOT);
            if (upper.startsWith("SIZE=")) {
                String digits = p.substring(5);
                if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    reply("501 5.5.4 Bad message size syntax");
                    return false;
                }
                try {
                    declaredSize = Long.parseLong(digits);
                } catch (NumberFormatException e) {
                    // smtpd.c: digits that overflow off_t; msg_size keeps off_cvt_string()'s -1.
                    declaredSize = -1;
                    reply("552 5.3.4 Message size exceeds file system imposed limit");
                    return false;
                }
            } else if (upper.startsWith("BODY=")) {
                if (!upper.equals("BODY=8BITMIME") && !upper.equals("BODY=7BIT")) {
                    reply("555 5.5.4 Unsupported option: " + p);
                    return false;
                }
            } else if (upper.equals("SMTPUTF8") && settings.smtputf8) {
                continue;   // taken above
            } else if (upper.startsWith("RET=")) {
                if (ret || !upper.equals("RET=FULL") && !upper.equals("RET=HDRS")) {
                    reply("501 5.5.4 Bad RET parameter syntax");
                    return false;
                }
                ret = true;
            } else if (upper.startsWith("ENVID=")) {
                String text = xtextUnquote(p.substring(6));
                if (envid || text == null || text.isEmpty() || !text.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                    reply("501 5.5.4 Bad ENVID parameter syntax");
                    return false;
                }
                envid = true;
            } else if (upper.startsWith("AUTH=")) {
                // smtpd_sasl_mail_opt(): AUTH=<> is not kept; a kept value lasts until the transaction is
                // reset (mail_reset()), also when this MAIL command fails on a later parameter.
                if (sasl.mailAuthParameter() != null) {
                    reply("503 5.5.4 Error: multiple AUTH= options");
                    return false;
                }
                sasl.setMailAuthParameter(p.substring(5));
            } else {
                reply("555 5.5.4 Unsupported option: " + p);
                return false;
            }
        }
        if (settings.messageSizeLimit > 0 && declaredSize > settings.messageSizeLimit) {
            reply("552 5.3.4 Message size exceeds fixed limit");   // smtpd_check_size()
            return false;
        }
        sender = parsed.address();
        if (faults.mail(sender) != SmtpdFaults.Verdict.PROCEED) {
            sender = null;
            return false;
        }
        if (!settings.restrictions.delayReject()) {
            Optional<String> reject = settings.restrictions.check(this, null, Restrictions.Stage.CLIENT,
                    Restrictions.Stage.HELO, Restrictions.Stage.SENDER);
            if (reject.isPresent()) {
                logReject(reject.get(), null);
                mailReset();          // smtpd.c: mail_reset(), not rcpt_reset()
                reply(reject.get());
                return false;
            }
        }
        if (undeclaredUnicode(utf8, "sender", sender)) {
            sender = null;
            saved.reset();
            return false;
        }
        Optional<String> storage = checkQueue();
        if (storage.isPresent()) {
            logReject(storage.get(), null);
            mailReset();          // smtpd.c: mail_reset(), not rcpt_reset()
            reply(storage.get());
            return false;
        }
        smtputf8Requested = utf8;
        reply("250 2.1.0 Ok");
        return true;
    }

    /**
     * smtpd.c: a non-ASCII envelope address without SMTPUTF8. Postfix has never forbidden 8-bit
     * addresses (RFC 6531 would): only strict_smtputf8 = yes answers 553; at compatibility_level
     * below 1 with smtputf8_enable unset it logs that the old default accepted the address.
     *
     * @return whether the 553 reply was sent
     */
    private boolean undeclaredUnicode(boolean declared, String what, String address) throws IOException {
        if (declared || address.isEmpty() || SmtpdAddress.isAscii(address)) {
            return false;
        }
        if (settings.strictSmtputf8) {
            reply("553 5.6.7 Must declare SMTPUTF8 to send unicode address");
            return true;
        }
        if (settings.legacySmtputf8) {
            log.info("{}/smtpd[{}]: using backwards-compatible default setting smtputf8_enable=no to accept non-ASCII "
                    + "{} address \"{}\" from {}", settings.instance, id, what, address, clientNameAddress());
        }
        return false;
    }

    /**
     * smtpd_check_queue(): a transaction starts only while the file systems that hold content (the
     * spool of large content, the durable queue) have more than queue_minfree bytes and 1.5 times
     * message_size_limit free, counted in whole blocks as Postfix counts them.
     */
    private Optional<String> checkQueue() {
        for (java.nio.file.FileStore store : settings.cleanup.fileStores()) {
            long blockSize;
            long freeBlocks;
            try {
                blockSize = Math.max(1, store.getBlockSize());
                freeBlocks = store.getUsableSpace() / blockSize;
            } catch (IOException | UnsupportedOperationException e) {
                continue;   // a file system that cannot say is not judged
            }
            if (settings.queueMinfree / blockSize >= freeBlocks
                    || settings.messageSizeLimit / blockSize >= freeBlocks / 1.5) {
                log.warn("{}/smtpd[{}]: warning: not enough free space in mail queue: {} bytes < 1.5*message size "
                        + "limit", settings.instance, id, freeBlocks * blockSize);
                return Optional.of("452 4.3.1 Insufficient system storage");
            }
        }
        return Optional.empty();
    }

    private boolean rcpt(String arg) throws IOException {
        if (sender == null) {
            reply("503 5.5.1 Error: need MAIL command");
            return false;
        }
        if (bdatState != BdatState.NONE) {
            reply("503 5.5.1 Error: RCPT after BDAT");
            return false;
        }
        SmtpdAddress.Parsed parsed;
        try {
            parsed = SmtpdAddress.parse(arg, "TO:", settings.strictRfc821Envelopes);
        } catch (SmtpdAddress.BadAddress e) {
            reply(e.syntaxOnly ? "501 5.5.4 Syntax: RCPT TO:<address>" : "501 5.1.3 Bad recipient address syntax");
            return false;
        }
        String rcpt = parsed.address();
        if (rcpt.isEmpty() || !SmtpdAddress.resolvable(rcpt, smtputf8Requested, settings.resolveLocal::matches)) {
            reply("501 5.1.3 Bad recipient address syntax");
            return false;
        }
        boolean notify = false;
        boolean orcpt = false;
        for (String p : parsed.parameters()) {
            String upper = p.toUpperCase(Locale.ROOT);
            if (upper.startsWith("NOTIFY=")) {
                if (notify || !validNotify(upper.substring(7))) {
                    reply("501 5.5.4 Error: Bad NOTIFY parameter syntax");
                    return false;
                }
                notify = true;
            } else if (upper.startsWith("ORCPT=")) {
                // smtpd.c: once, as type;address with a type and the address in xtext (utf-8: uxtext).
                int semi = p.indexOf(';');
                if (orcpt || semi <= 6 || !upper.startsWith("ORCPT=UTF-8;") && xtextUnquote(p.substring(semi + 1)) == null) {
                    reply("501 5.5.4 Error: Bad ORCPT parameter syntax");
                    return false;
                }
                orcpt = true;
            } else {
                reply("555 5.5.4 Unsupported option: " + p);
                return false;
            }
        }
        // smtpd.c judges the recipient limit after the parameters.
        if (rcptCount >= settings.recipientLimit) {
            reply("452 4.5.3 Error: too many recipients");
            return false;
        }
        if (undeclaredUnicode(smtputf8Requested, "recipient", rcpt)) {
            return false;
        }
        if (faults.rcpt(sender, rcpt) != SmtpdFaults.Verdict.PROCEED) {
            return false;
        }
        Optional<String> reject = settings.restrictions.check(this, rcpt, rcptStages());
        if (reject.isEmpty() && !saved.discard) {
            // smtpd_check_rcpt(): after DISCARD not even the recipient table is asked.
            reject = unknownLocalRecipient(rcpt);
        }
        if (reject.isPresent()) {
            logReject(reject.get(), rcpt);
            reply(reject.get());
            return false;
        }
        if (queueId == null) {
            // smtpd_delay_open_until_valid_rcpt: the queue file, and so its ID, comes with the first
            // accepted recipient; that is also when Postfix logs the client and SASL login.
            queueId = QueueIds.next();
            log.info("{}/smtpd[{}]: {}: client={}{}", settings.instance, id, queueId, clientNameAddress(),
                    sasl.logSuffix());
        }
        recipients.add(rcpt);
        rcptCount++;
        reply("250 2.1.5 Ok");
        return true;
    }

    /**
     * The restriction stages smtpd_check_rcpt() applies: with smtpd_delay_reject all of them (the
     * sender's only within a transaction, as VRFY may come without one), else relay and recipient.
     */
    private Restrictions.Stage[] rcptStages() {
        if (!settings.restrictions.delayReject()) {
            return new Restrictions.Stage[] {Restrictions.Stage.RELAY, Restrictions.Stage.RECIPIENT};
        }
        return java.util.Arrays.stream(Restrictions.Stage.values())
                .filter(st -> sender != null || st != Restrictions.Stage.SENDER).toArray(Restrictions.Stage[]::new);
    }

    private static final String HEX = "0123456789abcdefABCDEF";

    /** Postfix's xtext_unquote(): {@code +XX} hex escapes decoded; {@code null} for a malformed escape. */
    static String xtextUnquote(String quoted) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '+') {
                if (i + 2 >= quoted.length() || HEX.indexOf(quoted.charAt(i + 1)) < 0
                        || HEX.indexOf(quoted.charAt(i + 2)) < 0) {
                    return null;
                }
                c = (char) Integer.parseInt(quoted.substring(i + 1, i + 3), 16);
                i += 2;
            }
            b.append(c);
        }
        return b.toString();
    }

    /** RFC 3461 NOTIFY: NEVER alone, or a list of SUCCESS, FAILURE, DELAY. */
    private static boolean validNotify(String value) {
        String[] words = value.split(",", -1);
        for (String w : words) {
            if (!(w.equals("SUCCESS") || w.equals("FAILURE") || w.equals("DELAY")
                    || (w.equals("NEVER") && words.length == 1))) {
                return false;
            }
        }
        return true;
    }

    /** local_recipient_maps: a local recipient must be listed when a table is named. */
    private Optional<String> unknownLocalRecipient(String rcpt) {
        if (settings.localRecipientMaps.isEmpty()) {
            return Optional.empty();
        }
        String domain = SmtpdAddress.domain(rcpt);
        if (domain != null && !settings.resolveLocal.matches(domain)) {
            return Optional.empty();
        }
        if (AddressLookup.find(settings.localRecipientMaps, rcpt, settings.recipientDelimiter,
                settings.resolveLocal::findsLocalPart).isPresent()) {
            return Optional.empty();
        }
        String qualified = domain == null ? rcpt + "@" + settings.myhostname : rcpt;
        return Optional.of(settings.unknownLocalRecipientRejectCode + " 5.1.1 <" + qualified
                + ">: Recipient address rejected: User unknown in local recipient table");
    }

    private void logReject(String reply, String to) {
        logWhatsup("reject", to, reply);
    }

    private boolean data(String arg) throws IOException {
        // smtpd.c's order: BDAT first, then the transaction's state, then the syntax.
        if (bdatState != BdatState.NONE) {
            reply("503 5.5.1 Error: DATA after BDAT");
            return false;
        }
        // With PIPELINING a client may send DATA before all its recipients are refused: no protocol error.
        if (rcptCount == 0) {
            reply(sender == null ? "503 5.5.1 Error: need RCPT command" : "554 5.5.1 Error: no valid recipients");
            return false;
        }
        if (arg != null) {
            reply("501 5.5.4 Syntax: DATA");
            return false;
        }
        if (recipients.isEmpty()) {
            return lostQueueFile();
        }
        reply("354 End data with <CR><LF>.<CR><LF>");
        stream.flush();
        endExchange("DATA");
        exchangeLabel = ".";
        stream.startContent(settings.minDataRate);
        // The content streams to cleanup's store (heap, then a spool file), a bounded piece at a time.
        try (ContentStore.Writer content = settings.cleanup.openContent()) {
            byte[] piece = new byte[8192];
            long size = 0;
            boolean lineStart = true;
            while (true) {
                SmtpdStream.Piece p = stream.readPiece(piece);
                if (p == null) {
                    throw new IOException("lost connection in DATA");
                }
                if (lineStart && p.lineEnds() && p.length() == 1 && piece[0] == '.') {
                    break;
                }
                int from = lineStart && p.length() > 0 && piece[0] == '.' ? 1 : 0;   // dot-unstuffing
                size += p.length() - from + (p.lineEnds() ? 2 : 0);
                if (!tooBig(size)) {
                    content.write(piece, from, p.length() - from);
                    if (p.lineEnds()) {
                        content.write(CRLF, 0, 2);
                    }
                }
                lineStart = p.lineEnds();
            }
            if (tooBig(size)) {
                return rejectTooBig("552 5.3.4 Error: message file too big");   // CLEANUP_STAT_SIZE
            }
            return queue(content, "");
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /**
     * BDAT (RFC 3030 CHUNKING) as smtpd.c's bdat_cmd() answers it. A malformed command ends the session
     * (the chunk would be read as commands). A refused chunk is read and discarded (skip_bdat()); a
     * refused BDAT LAST ends the transaction, any other refused chunk makes smtpd discard the chunks
     * that follow until BDAT LAST or RSET ("551 5.0.0 Discarded N bytes after earlier error"), so that
     * a client that pipelines its chunks is answered once. Content is taken as is, without
     * dot-stuffing, and stored as records ({@link BdatRecords}); a chunk is answered with its own size,
     * the message with the bytes stored.
     */
    private boolean bdat(String arg) throws IOException {
        if (settings.discardEhloKeywords.contains("chunking")) {
            reply("521 5.5.1 Error: command not implemented");     // smtpd.c hangs up, for the same reason
            return false;
        }
        String[] words = arg == null ? new String[0] : arg.split("\\s+");
        long count = words.length == 1 || words.length == 2 ? chunkSize(words[0]) : -1;
        boolean last = words.length == 2;
        if (count < 0 || last && !words[1].equalsIgnoreCase("LAST")) {
            log.warn("{}/smtpd[{}]: warning: {}: malformed BDAT command syntax from {}: {}", settings.instance, id,
                    queueId == null ? "NOQUEUE" : queueId, clientNameAddress(), printable("BDAT " + (arg == null ? "" : arg)));
            reply("521 5.5.4 Syntax: BDAT count [LAST]");
            return false;
        }
        stream.startContent(settings.minDataRate);
        // smtpd.c blocks empty chunks rather than count them as junk commands.
        if (count == 0 && !last) {
            log.warn("{}/smtpd[{}]: warning: {}: null BDAT request from {}", settings.instance, id,
                    queueId == null ? "NOQUEUE" : queueId, clientNameAddress());
            return skipBdat(0, false, "551 5.7.1 Null BDAT request");
        }
        if (bdatState == BdatState.ERROR) {
            return skipBdat(count, last, "551 5.0.0 Discarded " + count + " bytes after earlier error");
        }
        // The first chunk of a transaction is judged as DATA is; a client may pipeline BDAT before it
        // knows whether any RCPT was accepted, so no recipient is no protocol error.
        if (bdatState == BdatState.NONE && rcptCount == 0) {
            return skipBdat(count, last, sender == null ? "503 5.5.1 Error: need RCPT command"
                    : "554 5.5.1 Error: no valid recipients");
        }
        if (settings.messageSizeLimit > 0 && actSize > settings.messageSizeLimit - count) {
            log.warn("{}/smtpd[{}]: warning: {}: BDAT request from {} exceeds message size limit", settings.instance,
                    id, queueId == null ? "NOQUEUE" : queueId, clientNameAddress());
            return skipBdat(count, last, "552 5.3.4 Chunk exceeds message size limit");
        }
        if (bdatState == BdatState.NONE && recipients.isEmpty()) {
            return lostQueueFile();
        }
        if (bdatState == BdatState.NONE) {
            if (bdatRecords == null) {
                bdatRecords = new BdatRecords(settings.lineLengthLimit);
                bdatPiece = new byte[BdatRecords.PIECE];
            }
            bdatRecords.reset();
            bdatContent = settings.cleanup.openContent();
            bdatState = BdatState.OK;
        }
        long done = 0;
        do {
            int len = (int) Math.min(BdatRecords.PIECE, count - done);
            stream.readFully(bdatPiece, len);
            bdatRecords.piece(bdatPiece, len, last && len == count - done, this::storeRecord);
            done += len;
        } while (done < count);
        if (sizeExceeded) {
            // common_post_message_handling() ends the transaction; after a chunk that is not the last,
            // smtpd discards the chunks the client may have pipelined behind it.
            log.warn("{}/smtpd[{}]: warning: {}: queue file size limit exceeded", settings.instance, id,
                    queueId == null ? "NOQUEUE" : queueId);
            reply("552 5.3.4 Error: message file too big");
            resetTransaction();
            if (!last) {
                bdatState = BdatState.ERROR;
            }
            return false;
        }
        if (!last) {
            reply("250 2.0.0 Ok: " + count + " bytes");
            return true;
        }
        ContentStore.Writer content = bdatContent;
        bdatContent = null;
        try (content) {
            return queue(content, actSize + " bytes ");
        }
    }

    /** One record of BDAT content to cleanup, within message_size_limit as bdat_cmd() counts it. */
    private void storeRecord(byte[] bytes, int len, boolean normal) {
        if (sizeExceeded) {
            return;
        }
        if (settings.messageSizeLimit > 0 && settings.messageSizeLimit - actSize < len + 2) {
            sizeExceeded = true;
            bdatContent.discard();
            return;
        }
        actSize += len + 2;
        bdatContent.write(bytes, 0, len);
        if (normal) {
            bdatContent.write(CRLF, 0, 2);
        }
    }

    /**
     * skip_bdat(): reads and discards the chunk, answers, and ends the transaction after BDAT LAST, else
     * discards the chunks that follow.
     */
    private boolean skipBdat(long count, boolean last, String reply) throws IOException {
        stream.skip(count);
        reply(reply);
        if (last) {
            mailReset();            // not rcpt_reset(): see lostQueueFile()
        } else {
            dropBdatContent();
            bdatState = BdatState.ERROR;
        }
        return false;
    }

    private void dropBdatContent() {
        if (bdatContent != null) {
            bdatContent.discard();
            bdatContent = null;
        }
    }

    /** off_cvt_string() of digits only (alldig()): the count, or -1 for other text or an overflow. */
    static long chunkSize(String word) {
        if (word.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (n > (Long.MAX_VALUE - (c - '0')) / 10) {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * Postfix 3.7's smtpd dies here: skip_bdat() ends the transaction after a refused BDAT LAST with
     * mail_reset() alone, so rcpt_count stays; DATA, or a first BDAT, without a new accepted RCPT then
     * writes to a queue file that is not open (common_pre_message_handling()), and the client sees the
     * connection close without a reply. The harness ends the session the same way.
     */
    private boolean lostQueueFile() {
        log.warn("{}/smtpd[{}]: warning: {} after a refused BDAT LAST without a new recipient from {}: Postfix 3.7's "
                + "smtpd has no queue file here and dies; disconnecting", settings.instance, id, lastCommand(),
                clientNameAddress());
        hangUp();
        return false;
    }

    private boolean tooBig(long size) {
        return settings.messageSizeLimit > 0 && size > settings.messageSizeLimit;
    }

    private boolean rejectTooBig(String reply) throws IOException {
        log.info("{}/smtpd[{}]: {}: reject: message size exceeds fixed limit", settings.instance, id, queueId);
        reply(reply);
        resetTransaction();
        return false;
    }

    /**
     * Prepends the Received header, hands the message to cleanup and answers with the queue ID: the
     * 250 comes only after the queue file is written and the message captured. A failure at any of
     * these steps leaves nothing behind and gets Postfix's answer to a cleanup write error, and the
     * session goes on.
     */
    private boolean queue(ContentStore.Writer writer, String bytesNote) throws IOException {
        // An injected reply refuses the message before anything is queued (the caller drops the content);
        // an injected disconnect comes after it is queued, in place of the 250.
        SmtpdFaults.Verdict fault = faults.endOfData(sender, recipients);
        if (fault == SmtpdFaults.Verdict.ANSWERED) {
            resetTransaction();
            return false;
        }
        MessageContent body;
        try {
            body = writer.finish();
        } catch (IOException e) {
            return writeError(e);
        }
        try {
            Instant arrival = Instant.now();
            String protocol = protocol();
            String received = ReceivedHeader.format(settings, helo, clientName, clientAddress,
                    tls != null && settings.tls.receivedHeader() ? tls : null, clientCertificateTrusted,
                    settings.saslAuthenticatedHeader ? sasl.username() : null, protocol, queueId,
                    recipients.size() == 1 ? recipients.get(0) : null, arrival);
            // PREPEND headers of access tables go above smtpd's own Received header.
            StringBuilder top = new StringBuilder();
            saved.prepend.forEach(h -> top.append(h).append("\r\n"));
            settings.cleanup.enqueue(new CapturedMessage(queueId, settings.instance, sender, recipients, clientName,
                    clientAddress.getHostAddress(), helo, protocol, sasl.method(), sasl.username(),
                    sasl.mailAuthParameter(), tls == null ? null : tls.toTlsInfo(), received, arrival,
                    body.prepend((top + received).getBytes(StandardCharsets.UTF_8))), saved.forCleanup());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError included: a message too big for the heap is refused, not half recorded.
            return writeError(e);
        } finally {
            body.release();     // the queue and the capture hold the content from here on
        }
        // smtpd.c: "Forgive any previous client errors when a message was received successfully" --
        // error_count and junk_cmds start over, so a client reusing the connection (RSET between
        // messages, as Postfix's smtp client does) is never cut off by smtpd_junk_command_limit.
        errorCount = 0;
        junkCommands = 0;
        if (fault != SmtpdFaults.Verdict.HANG_UP) {
            reply("250 2.0.0 Ok: " + bytesNote + "queued as " + queueId);
        }
        resetTransaction();
        return true;
    }

    /** smtpd.c after a cleanup write error (CLEANUP_STAT_WRITE): 451, the transaction ends, the session goes on. */
    private boolean writeError(Throwable e) throws IOException {
        log.warn("{}/cleanup: warning: {}: queue file write error: {}", settings.instance, queueId, e.toString());
        reply("451 4.3.0 Error: queue file write error");
        resetTransaction();
        return false;
    }

    /**
     * The Received header's "with" protocol: SMTP, ESMTP, with S for TLS and A for AUTH (RFC 3848,
     * which Postfix applies to ESMTP only); UTF8SMTP variants.
     */
    private String protocol() {
        String base = smtputf8Requested ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP";
        return base + (esmtp && tls != null ? "S" : "") + (esmtp && sasl.username() != null ? "A" : "");
    }

    private boolean rset(String arg) throws IOException {
        if (arg != null) {
            reply("501 5.5.4 Syntax: RSET");
            return false;
        }
        resetTransaction();
        reply("250 2.0.0 Ok");
        return true;
    }

    private boolean noop(String arg) throws IOException {
        reply("250 2.0.0 Ok");
        return true;
    }

    private boolean vrfy(String arg) throws IOException {
        if (settings.disableVrfy) {
            reply("502 5.5.1 VRFY command is disabled");
            return false;
        }
        // vrfy_cmd(): a last SMTPUTF8 token is the option; the other tokens, joined by one blank
        // (collapse_args()), are the address as extract_addr() reads it, never strictly.
        List<SmtpdToken.Token> tokens = new ArrayList<>(SmtpdToken.tokenize(arg == null ? "" : arg));
        boolean utf8 = settings.smtputf8 && !tokens.isEmpty()
                && tokens.get(tokens.size() - 1).value().equalsIgnoreCase("SMTPUTF8");
        if (utf8) {
            tokens.remove(tokens.size() - 1);
        }
        if (tokens.isEmpty()) {
            reply("501 5.5.4 Syntax: VRFY address" + (settings.smtputf8 ? " [SMTPUTF8]" : ""));
            return false;
        }
        String given = tokens.stream().map(SmtpdToken.Token::value).collect(java.util.stream.Collectors.joining(" "));
        String addr;
        try {
            addr = SmtpdAddress.extract(given, false);
        } catch (SmtpdAddress.BadAddress e) {
            addr = null;
        }
        if (addr == null || addr.isEmpty() || !SmtpdAddress.resolvable(addr, utf8, settings.resolveLocal::matches)) {
            reply("501 5.1.3 Bad recipient address syntax");
            return false;
        }
        if (!utf8 && settings.strictSmtputf8 && !SmtpdAddress.isAscii(addr)) {
            resetTransaction();   // smtpd.c: mail_reset()
            reply("553 5.6.7 Must declare SMTPUTF8 to send unicode address");
            return false;
        }
        // smtpd.c's vrfy_cmd() asks smtpd_check_rcpt(): the restrictions RCPT TO would meet.
        Optional<String> reject = settings.restrictions.check(this, addr, rcptStages());
        if (reject.isPresent()) {
            reply(reject.get());
            return false;
        }
        Optional<String> unknown = unknownLocalRecipient(addr);
        if (unknown.isPresent()) {
            // VRFY names the address as the client wrote it ("<nosuch>"), unqualified
            reply(unknown.get().replaceFirst("<[^>]*>", "<" + addr + ">"));
            return false;
        }
        reply("252 2.0.0 " + given);
        return true;
    }

    private boolean etrn(String arg) throws IOException {
        // Postfix 3.7 sends these replies without an enhanced status code.
        if (settings.heloRequired && helo == null) {
            reply("503 Error: send HELO/EHLO first");
            return false;
        }
        if (sender != null) {
            reply("503 Error: MAIL transaction in progress");
            return false;
        }
        List<String> words = SmtpdToken.words(arg);
        if (words.size() != 1) {
            reply("500 Syntax: ETRN domain");
            return false;
        }
        String domain = words.get(0);
        String site = domain.startsWith("@") || domain.startsWith("#") ? domain.substring(1) : domain;
        if (!SmtpdAddress.validHostname(site) && !SmtpdAddress.validHostLiteral(site)) {
            reply("501 Error: invalid parameter syntax");
            return false;
        }
        // fast_flush_domains is empty in a harness: no domain is eligible, as Postfix says so.
        reply("459 <" + site + ">: service unavailable");
        return false;
    }

    /**
     * XCLIENT and XFORWARD: no client is in smtpd_authorized_xclient_hosts or
     * smtpd_authorized_xforward_hosts (a harness leaves them empty), so Postfix's answer is refusal.
     */
    private boolean xcommand(String name, String arg) throws IOException {
        if (sender != null) {
            reply("503 5.5.1 Error: MAIL transaction in progress");
        } else if (arg == null) {
            reply("501 5.5.4 Syntax: " + name + " attribute=value...");
        } else {
            reply("550 5.7.0 Error: insufficient authorization");
        }
        return false;
    }

    /**
     * STARTTLS as smtpd.c's starttls_cmd() answers it. After "220 2.0.0 Ready to start TLS" any
     * plaintext the client pipelined behind STARTTLS is discarded (Postfix's vstream_fpurge(), the
     * CVE-2011-0411 fix) rather than read as commands of the TLS session, and the session starts over:
     * no HELO, no transaction, no SASL login, AUTH offered anew with smtpd_sasl_tls_security_options.
     */
    private boolean starttls(String arg) throws IOException {
        if (arg != null) {
            reply("501 5.5.4 Syntax: STARTTLS");
            return false;
        }
        if (tls != null) {
            reply("554 5.5.1 Error: TLS already active");
            return false;
        }
        if (!settings.tls.offered() || settings.discardEhloKeywords.contains("starttls")) {
            reply("502 5.5.1 Error: command not implemented");
            return false;
        }
        reply("220 2.0.0 Ready to start TLS");
        stream.flush();
        helo = null;
        esmtp = false;
        resetTransaction();
        return startTls();
    }

    /**
     * The server handshake (STARTTLS or wrapper mode), unless an injected fault closes the connection
     * instead ({@code false}); a failure ends the session, as the conversation is then in an unknown
     * state. A new stream over the TLS socket drops buffered plaintext.
     */
    private boolean startTls() throws IOException {
        if (faults.handshake(settings.tls.wrapperMode()) == SmtpdFaults.Verdict.HANG_UP) {
            return false;
        }
        SSLSocket ssl;
        long handshakeStarted = System.currentTimeMillis();
        try {
            ssl = settings.tls.handshake(socket, faults.certificateFlaw());
        } catch (IOException e) {
            log.info("{}/smtpd[{}]: SSL_accept error from {}: {}", settings.instance, id, clientNameAddress(),
                    e.getMessage());
            if (faults.certificateFlaw() != null) {
                // The exchange that ends here keeps the injected fault in the transcript.
                endExchange(exchangeLabel);
            }
            throw e;
        }
        socket = ssl;
        stream = new SmtpdStream(ssl.getInputStream(), ssl.getOutputStream(), deadline);
        tls = settings.tls.details(ssl, handshakeStarted);
        String trust = !tls.peerCertificatePresented() ? "Anonymous"
                : settings.tls.clientCertificateTrusted(ssl) ? "Trusted" : "Untrusted";
        clientCertificateTrusted = trust.equals("Trusted");
        log.info("{}/smtpd[{}]: {} TLS connection established from {}: {}", settings.instance, id, trust,
                clientNameAddress(), tls.summary());
        sasl.tlsStarted();
        return true;
    }

    private boolean quit(String arg) throws IOException {
        reply("221 2.0.0 Bye");
        quit = true;
        return true;
    }

    /** mail_reset() and rcpt_reset(): RSET, HELO/EHLO, STARTTLS, the end of a message. */
    void resetTransaction() {
        mailReset();
        rcptCount = 0;
    }

    /** smtpd.c's mail_reset(): the transaction, its queue file (with its recipients) and BDAT state. */
    private void mailReset() {
        sender = null;
        dropBdatContent();          // the chunks so far are dropped, with their spool file
        bdatState = BdatState.NONE;
        actSize = 0;
        sizeExceeded = false;
        queueId = null;
        recipients.clear();
        saved.reset();
        smtputf8Requested = false;
        declaredSize = 0;
        sasl.setMailAuthParameter(null);
    }

    private static boolean validUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
        return sb.toString();
    }
}
