package dev.mailrelay.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A grammar of SMTP client sessions, drawn with a seed: what {@link SmtpdDifferentialFuzzTest} sends to
 * Postfix and to the harness. A session is a list of {@link Step}s, each a {@link DialogScript} call and
 * the Java text of that call, so a session prints as a dialog to paste into
 * {@link PostfixFidelityTest#dialogs()}.
 *
 * <p>Coverage: HELO/EHLO (with and without a name, address literals, odd case); MAIL FROM and RCPT TO
 * with every ESMTP parameter Postfix knows (SIZE, BODY, AUTH, RET, ENVID, SMTPUTF8; NOTIFY, ORCPT),
 * valid, repeated, unknown, empty and malformed, on address forms (quoted local parts, source
 * routes, {@code <>}, no brackets, address literals, unbalanced brackets and quotes, RFC 822 comments,
 * phrases, groups and nested brackets, routing operators, overlong,
 * UTF-8, the percent hack, local, remote and unqualified); malformed FROM:/TO: keywords; AUTH with each
 * mechanism of the configuration (initial response or not, right, wrong and unknown credentials,
 * {@code *} cancel, bad base64, {@code =}, unknown and lower-case mechanisms, extra arguments, DIGEST-MD5 responses with
 * repeated and bad directives, SCRAM with an empty client nonce); RSET,
 * NOOP, VRFY, ETRN, HELP, unknown commands, empty lines, non-SMTP commands; pipelined groups; BDAT
 * chunks (LAST, empty, {@code BDAT 0}, zero-padded and malformed counts, bare LF and CR, long lines,
 * beyond message_size_limit, after DATA, before MAIL, after a refused chunk) and BDAT transactions,
 * pipelined or not; DATA with dot-stuffing, bare
 * LF, a lone {@code .}, and arguments; STARTTLS in every state (with an argument, twice, before
 * EHLO, in a transaction); QUIT in the middle; now and then a TAB instead of a blank between a verb and its
 * argument, and leading or repeated white space.
 *
 * <pre>{@code
 * List<SmtpSessionGrammar.Step> session = new SmtpSessionGrammar(List.of("PLAIN", "LOGIN"), true)
 *         .session(new Random(42));
 * }</pre>
 */
final class SmtpSessionGrammar {
    static final String USER = "alice@example.com";
    static final String PASSWORD = "secret";

    /** One step of a session: what it does and how it reads in Java. */
    record Step(String java, Consumer<DialogScript> action) {
        @Override
        public String toString() {
            return java;
        }
    }

    private final List<String> mechanisms;
    private final boolean tls;

    /**
     * @param mechanisms the mechanisms the configuration may offer (others are tried too, as unknown)
     * @param tls        whether STARTTLS is offered (it is sent now and then either way)
     */
    SmtpSessionGrammar(List<String> mechanisms, boolean tls) {
        this.mechanisms = mechanisms;
        this.tls = tls;
    }

    /** A session of 1 to 14 steps; QUIT is the runner's, after the last step. */
    List<Step> session(Random r) {
        List<Step> steps = new ArrayList<>();
        if (r.nextInt(10) < 8) {
            steps.add(send(r.nextInt(5) == 0 ? pick(r, "HELO client.example.net", "HELO c") : "EHLO client.example.net"));
        }
        int n = 1 + r.nextInt(13);
        for (int i = 0; i < n; i++) {
            steps.add(step(r));
        }
        return steps;
    }

    private Step step(Random r) {
        int w = r.nextInt(100);
        if (w < 14) {
            return send("MAIL" + blank(r) + mailArg(r));
        } else if (w < 28) {
            return send("RCPT" + blank(r) + rcptArg(r));
        } else if (w < 40) {
            return auth(r);
        } else if (w < 48) {
            return data(r);
        } else if (w < 54) {
            return bdat(r);
        } else if (w < 60) {
            return pipelined(r);
        } else if (w < 65) {
            return tls || r.nextInt(4) == 0 ? starttls(r) : send("NOOP");
        } else if (w < 72) {
            return send(helo(r));
        } else if (w < 82) {
            if (r.nextInt(4) == 0) {
                // VRFY reads its address as extract_addr() does, with an optional SMTPUTF8.
                return send("VRFY " + address(r, false) + (r.nextInt(6) == 0 ? " SMTPUTF8" : ""));
            }
            return send(pick(r, "RSET", "RSET x", "NOOP", "NOOP anything", "noop", "VRFY alice", "VRFY <alice@example.com>",
                    "VRFY", "VRFY nosuch@remote.example.org", "ETRN example.com", "ETRN", "ETRN @example.com",
                    "HELP", "HELP MAIL"));
        } else if (w < 86) {
            // A full transaction, so that later steps meet a session that has delivered.
            return new Step("s.send(\"MAIL FROM:<alice@example.com>\"); s.send(\"RCPT TO:<alice@example.com>\"); "
                    + "s.data(\"Subject: t\\r\\n\\r\\nbody\\r\\n.\");", s -> {
                        s.send("MAIL FROM:<alice@example.com>");
                        s.send("RCPT TO:<alice@example.com>");
                        s.data("Subject: t\r\n\r\nbody\r\n.");
                    });
        } else if (w < 94) {
            return send(pick(r, "FOO", "", " ", "MAIL", "RCPT", "DATA x", "QUIT", "QUIT now", "EXPN alice", "TURN",
                    "XCLIENT NAME=x", "XFORWARD NAME=x", "GET / HTTP/1.0", "CONNECT x:25", "123", "*", "=",
                    "BDAT", "STARTTLS x", "AUTH", "SEND FROM:<a@example.com>", "MAIL FROM:<a@example.com>\tSIZE=1",
                    "\t", " NOOP", "\tRSET", "NOOP\t", "RSET\tx", "ETRN\texample.com", "QUIT\t"));
        } else {
            return send(pick(r, "RSET", "NOOP"));
        }
    }

    private String helo(Random r) {
        return pick(r, "EHLO client.example.net", "HELO client.example.net", "EHLO", "HELO", "EHLO [127.0.0.1]",
                "HELO [127.0.0.1]", "ehlo c", "EHLO a b", "EHLO  spaced", "HELO -bad-", "EHLO x" + "y".repeat(300),
                "EHLO ünicode.example", "EHLO c.", "EHLO\tc", "HELO\tc\td", "\tEHLO c", "  EHLO \t c\t");
    }

    // ---- MAIL FROM and RCPT TO --------------------------------------------------------------

    private String mailArg(Random r) {
        String keyword = r.nextInt(8) > 0 ? "FROM:" : pick(r, "from:", "FROM: ", "FROM :", "FROM", "TO:", "", "FROM:  ");
        return keyword + address(r, true) + params(r, MAIL_PARAMS);
    }

    private String rcptArg(Random r) {
        String keyword = r.nextInt(8) > 0 ? "TO:" : pick(r, "to:", "TO: ", "TO :", "TO", "FROM:", "", "TO:  ");
        return keyword + address(r, false) + params(r, RCPT_PARAMS);
    }

    private static final String[] MAIL_PARAMS = {
        "SIZE=1000", "SIZE=0", "SIZE=", "SIZE=abc", "SIZE=-1", "SIZE=99999999", "SIZE=99999999999999999999999",
        "size=10", "SIZE", "BODY=8BITMIME", "BODY=7BIT", "BODY=BINARYMIME", "BODY=", "body=8bitmime", "BODY=FOO",
        "AUTH=<>", "AUTH=alice@example.com", "AUTH=", "AUTH=a+2Bb@example.com", "AUTH=+", "AUTH=<alice@example.com>",
        "RET=FULL", "RET=HDRS", "RET=", "RET=BOTH", "ret=full", "ENVID=abc", "ENVID=", "ENVID=a+2Bb", "ENVID=ü",
        "SMTPUTF8", "SMTPUTF8=yes", "smtputf8", "FOO=bar", "FOO", "=x", "NOTIFY=NEVER", "ORCPT=rfc822;a@example.com",
        "XVERP", "XVERP=+=", "SIZE=1000 SIZE=2000",
    };
    private static final String[] RCPT_PARAMS = {
        "NOTIFY=SUCCESS,FAILURE", "NOTIFY=NEVER", "NOTIFY=DELAY", "NOTIFY=NEVER,SUCCESS", "NOTIFY=", "NOTIFY=BOGUS",
        "notify=success", "NOTIFY=SUCCESS,SUCCESS", "ORCPT=rfc822;a@example.com", "ORCPT=", "ORCPT=foo",
        "ORCPT=rfc822;a+2Bb@example.com", "ORCPT=utf-8;a@example.com", "ORCPT=rfc822;", "SIZE=100", "BODY=8BITMIME",
        "FOO=bar", "FOO", "SMTPUTF8", "AUTH=<>", "RET=FULL", "ENVID=x",
    };

    private static String params(Random r, String[] known) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(10) < 6 ? 0 : 1 + r.nextInt(3);
        String last = null;
        for (int i = 0; i < n; i++) {
            // Repeats are drawn on purpose: a parameter given twice.
            String p = last != null && r.nextInt(4) == 0 ? last : known[r.nextInt(known.length)];
            b.append(r.nextInt(12) == 0 ? "  " : " ").append(p);
            last = p;
        }
        return b.toString();
    }

    private static final String[] LOCAL = {"alice@example.com", "bob@example.com", "postmaster", "postmaster@example.com",
        "user@mail.example.com", "user@localhost", "someone@remote.example.org", "x@remote.example.org",
        "user%remote.example.org@example.com", "\"quoted user\"@example.com", "\"q\\\"x\"@example.com",
        "user@[127.0.0.1]", "user@[10.1.2.3]", "user@remote.example.org.", "alice+ext@example.com", "a.b@example.com",
    };

    private static String address(Random r, boolean sender) {
        int w = r.nextInt(48);
        if (w < 20) {
            return "<" + LOCAL[r.nextInt(LOCAL.length)] + ">";
        }
        return switch (w) {
            case 20, 21 -> "<>";
            case 22, 23 -> LOCAL[r.nextInt(LOCAL.length)];                    // no brackets
            case 24 -> "<@route.example,@b.example:user@remote.example.org>";   // source route
            case 25 -> "<@route.example:alice@example.com>";
            case 26 -> "<a@b@example.com>";
            case 27 -> "<user@>";
            case 28 -> "<@example.com>";
            case 29 -> "<\"unterminated@example.com>";
            case 30 -> "<" + "x".repeat(300) + "@example.com>";
            case 31 -> "<user@" + "d".repeat(260) + ".example>";
            case 32 -> "<user@example.com";
            case 33 -> "<<a@example.com>>";
            case 34 -> "< alice@example.com >";
            case 35 -> "<a b@example.com>";
            case 36 -> "<\u00c3\u00bcser@example.com>";                        // UTF-8 bytes of "üser"
            case 37 -> "<alice@example.com> x";
            case 38 -> sender ? "<MAILER-DAEMON>" : "<Postmaster>";
            // RFC 822 forms tok822_parse() reads: comments, phrases, groups, open literals, routing operators.
            case 39 -> pick(r, "<alice(comment)@example.com>", "<alice@example.com (Alice)>", "<(only a comment)>",
                    "<alice@example.com>(trailing)", "<a(b@example.com>");
            case 40 -> pick(r, "<Alice <alice@example.com>>", "Alice <alice@example.com>", "<\"Alice\" <a@example.com>>",
                    "<group: a@example.com;>", "<a,b@example.com>", "<a;b@example.com>");
            case 41 -> pick(r, "<a@[127.0.0.1>", "<a@@example.com>", "<@>", "<@:>", "<@a:>", "<:a@example.com>",
                    "alice@example.com>", "<\\>");
            case 42 -> pick(r, "<a!b@example.com>", "<a%b>", "<a!>", "<a%>", "<\"a@b\"@example.com>", "<a\\@b@example.com>",
                    "<user@example.com..>", "<.a@example.com>");
            case 43 -> pick(r, "<\"\">", "<\"\"@example.com>", "<<>>", "<@b.example:>", "\"<a@example.com> x\"",
                    "<alice@example.com> <b@example.com>", "<alice @ example . com>");
            default -> "";
        };
    }

    // ---- AUTH ---------------------------------------------------------------------------------

    private Step auth(Random r) {
        String mech = r.nextInt(8) == 0 ? pick(r, "FOO", "ANONYMOUS", "NTLM", "GSSAPI", "EXTERNAL")
                : mechanisms.get(r.nextInt(mechanisms.size()));
        boolean known = mechanisms.contains(mech);
        int w = r.nextInt(14);
        if (known && w < 5) {
            String user = w < 3 ? USER : pick(r, "nobody@example.com", "alice");
            // "alice" without a realm: the right password, the wrong login form.
            String password = w < 2 || (w == 2 && r.nextBoolean()) || user.equals("alice") ? PASSWORD : "wrong";
            boolean initial = r.nextBoolean();
            return new Step("s.sasl(" + DialogScript.javaLiteral(mech) + ", " + initial + ", "
                    + DialogScript.javaLiteral(user) + ", " + DialogScript.javaLiteral(password) + ");",
                    s -> s.sasl(mech, initial, user, password));
        }
        String plain = SmtpDialog.b64("\0" + USER + "\0" + PASSWORD);
        return switch (w) {
            case 5 -> sends("AUTH " + mech, "*");
            case 6 -> sends("AUTH " + mech, "!!!!");
            case 7 -> send("AUTH " + mech + " " + pick(r, "=", "!!!!", "abc", "*", plain + " extra",
                    SmtpDialog.b64("no nuls"), SmtpDialog.b64("\0" + USER + "\0wrong")));
            case 8 -> sends("AUTH " + mech, "");
            case 9 -> send(pick(r, "auth plain " + plain, "AUTH plain " + plain, "AUTH", "AUTH  PLAIN " + plain));
            case 10 -> sends("AUTH LOGIN", SmtpDialog.b64(USER), pick(r, "*", SmtpDialog.b64(PASSWORD), "!!"));
            // Cyrus' DIGEST-MD5 step 2 reads directive by directive: repeats and bad values.
            case 12 -> sends("AUTH DIGEST-MD5", SmtpDialog.b64(pick(r, "realm=\"a\",realm=\"b\"", "qop=auth,qop=auth",
                    "digest-uri=\"smtp/x\",digest-uri=\"smtp/x\"", "maxbuf=100,maxbuf=100", "username=\"a\",username=\"b\"",
                    "charset=latin1", "charset=utf-8", "nc=zz", "nc=00000000", "maxbuf=5", "maxbuf=99999999999",
                    "digest-uri=\"imap/x\"", "=x", "realm=\"a\",realm=\"b\",junk", "junk,realm=\"a\",realm=\"b\"")));
            // SCRAM with an empty client nonce (Cyrus goes on), then cancelled or answered with garbage.
            case 13 -> sends("AUTH " + pick(r, "SCRAM-SHA-1", "SCRAM-SHA-256") + " "
                    + SmtpDialog.b64(pick(r, "n,,n=" + USER + ",r=", "n,,n=" + USER + ",r=,x=y", "n,,n=,r=abc")),
                    pick(r, "*", SmtpDialog.b64("c=biws,r=,p=AAAA"), ""));
            default -> send("AUTH" + blank(r) + "PLAIN" + blank(r) + plain);
        };
    }

    // ---- content ------------------------------------------------------------------------------

    private static final String[] CONTENT = {
        "Subject: t\r\n\r\nbody\r\n.",
        "Subject: dots\r\n\r\n..stuffed\r\n.x\r\n...\r\n.",
        "Subject: bare LF\nX: y\n\nbody\r\n.",
        "no header line\r\n.",
        "",
        ".",
        "Subject: long\r\n\r\n" + "z".repeat(3000) + "\r\n.",
        "Subject: t\r\n\r\nbare CR\rhere\r\n.",
    };

    private Step data(Random r) {
        if (r.nextInt(6) == 0) {
            return send(pick(r, "DATA", "DATA x", "data"));
        }
        String content = CONTENT[r.nextInt(CONTENT.length)];
        if (content.isEmpty()) {
            // An empty message: the "." straight after 354.
            content = ".";
        }
        String c = content;
        return new Step("s.data(" + DialogScript.javaLiteral(c) + ");", s -> s.data(c));
    }

    /**
     * BDAT: one chunk (empty, a line, bare LF and CR lines, a CR at the end, long lines, chunks beyond a
     * 1,000-byte message_size_limit) with a well-formed, zero-padded, lower-case or malformed command;
     * or a whole transaction of chunks, pipelined or not, so that BDAT's error states are reached.
     */
    private Step bdat(Random r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return bdatTransaction(r);
        }
        if (kind == 1) {
            return send(pick(r, "BDAT 0", "BDAT 0 LAST", "bdat 0 last", "BDAT", "BDAT 1 LAST x", "BDAT 99999999999999999999",
                    "BDAT 0x1", "BDAT +1 LAST", "BDAT 1 LASTX"));
        }
        String chunk = chunk(r);
        String command = switch (r.nextInt(12)) {
            case 0 -> "BDAT " + chunk.length() + " FOO";
            case 1 -> "BDAT x";
            case 2 -> "BDAT -1";
            case 3 -> "bdat " + chunk.length() + " last";
            case 4 -> "BDAT 000" + chunk.length();
            case 5, 6, 7 -> "BDAT" + blank(r) + chunk.length();
            default -> "BDAT" + blank(r) + chunk.length() + blank(r) + "LAST";
        };
        String body = command.startsWith("BDAT x") || command.startsWith("BDAT -") ? "" : chunk;
        return new Step("s.bdat(" + DialogScript.javaLiteral(command) + ", " + DialogScript.javaLiteral(body) + ");",
                s -> s.bdat(command, body));
    }

    private static String chunk(Random r) {
        return pick(r, "", "Subject: c\r\n\r\nbody\r\n", "x", "line\n", ".\r\n", "a".repeat(100), "ab\r", "\r\n",
                "\n".repeat(600), "y".repeat(1100), "z".repeat(998) + "\r\n", "w".repeat(2047) + "\r\rv", "c\r\r\nd\r");
    }

    /** MAIL, RCPT and two to four chunks (the last one LAST or not), sent one by one or in one write. */
    private Step bdatTransaction(Random r) {
        String rcpt = r.nextInt(4) == 0 ? "RCPT TO:<x@remote.example.org>" : "RCPT TO:<alice@example.com>";
        List<String> commands = new ArrayList<>();
        List<String> chunks = new ArrayList<>();
        int n = 2 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            String chunk = r.nextInt(6) == 0 ? "" : chunk(r);
            boolean last = i == n - 1 && r.nextInt(4) > 0;
            commands.add("BDAT " + chunk.length() + (last ? " LAST" : ""));
            chunks.add(chunk);
        }
        if (r.nextBoolean()) {
            StringBuilder raw = new StringBuilder("MAIL FROM:<alice@example.com>\r\n" + rcpt + "\r\n");
            List<String> labels = new ArrayList<>(List.of("MAIL", "RCPT"));
            for (int i = 0; i < n; i++) {
                raw.append(commands.get(i)).append("\r\n").append(chunks.get(i));
                labels.add(commands.get(i));
            }
            raw.append("NOOP\r\n");
            labels.add("NOOP");
            String text = raw.toString();
            String[] l = labels.toArray(String[]::new);
            return new Step("s.pipelinedRaw(" + DialogScript.javaLiteral(text) + ", "
                    + labels.stream().map(DialogScript::javaLiteral).collect(Collectors.joining(", ")) + ");",
                    s -> s.pipelinedRaw(text, l));
        }
        StringBuilder java = new StringBuilder("s.send(\"MAIL FROM:<alice@example.com>\"); s.send("
                + DialogScript.javaLiteral(rcpt) + ");");
        for (int i = 0; i < n; i++) {
            java.append(" s.bdat(").append(DialogScript.javaLiteral(commands.get(i))).append(", ")
                    .append(DialogScript.javaLiteral(chunks.get(i))).append(");");
        }
        return new Step(java.toString(), s -> {
            s.send("MAIL FROM:<alice@example.com>");
            s.send(rcpt);
            for (int i = 0; i < commands.size(); i++) {
                s.bdat(commands.get(i), chunks.get(i));
            }
        });
    }

    private Step pipelined(Random r) {
        int n = 2 + r.nextInt(3);
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            commands.add(switch (r.nextInt(5)) {
                case 0 -> "MAIL" + blank(r) + mailArg(r);
                case 1, 2 -> "RCPT" + blank(r) + rcptArg(r);
                case 3 -> pick(r, "RSET", "NOOP", "VRFY alice");
                default -> "RCPT TO:<alice@example.com>";
            });
        }
        return new Step("s.pipelined(" + commands.stream().map(DialogScript::javaLiteral).collect(Collectors.joining(", "))
                + ");", s -> s.pipelined(commands.toArray(String[]::new)));
    }

    private Step starttls(Random r) {
        if (r.nextInt(5) == 0) {
            return send("STARTTLS extra");
        }
        return new Step("s.starttls();", DialogScript::starttls);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The white space between a verb and its argument: now and then a TAB, which smtpd_token() also splits at. */
    private static String blank(Random r) {
        return r.nextInt(8) == 0 ? "\t" : " ";
    }

    private static Step send(String line) {
        return new Step("s.send(" + DialogScript.javaLiteral(line) + ");", s -> s.send(line));
    }

    private static Step sends(String... lines) {
        return new Step(java.util.Arrays.stream(lines).map(l -> "s.send(" + DialogScript.javaLiteral(l) + ");")
                .collect(Collectors.joining(" ")), s -> {
                    for (String l : lines) {
                        s.send(l);
                    }
                });
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }
}
