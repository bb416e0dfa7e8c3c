package dev.mailrelay.api;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.CapturedSession;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.config.Service;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.qmgr.QueueManager;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the web UI's documents ({@link WebModel}) from what the instances captured: the instance
 * cards, the filtered message list, a message's MIME parts and its path across instances.
 *
 * <p>The path links a relay's delivery attempt to the upstream's copy by the queue ID in the
 * upstream's reply ({@code 250 2.0.0 Ok: queued as X}), as one follows a message through Postfix
 * logs; the upstream is the instance holding message X whose name or listener port the attempt's
 * {@code relay=} names.
 *
 * <pre>{@code
 * WebModel.MessageView view = MessageViews.view(harness, isp, message);
 * }</pre>
 */
final class MessageViews {

    /** The most characters of a text body the view carries; the raw source has the rest. */
    static final int TEXT_LIMIT = 1 << 20;
    /** The most messages one page lists. */
    static final int PAGE_LIMIT = 500;
    private static final Pattern QUEUED_AS = Pattern.compile("queued as ([0-9A-Za-z]+)\\s*$");
    private static final Pattern RELAY = Pattern.compile("^([^\\[]*)\\[[^\\]]*\\]:(\\d+)$");
    /** The headers whose addresses canonical and generic maps rewrite. */
    private static final List<String> ADDRESS_HEADERS = List.of("From", "Sender", "Reply-To", "To", "Cc");

    private MessageViews() {
    }

    static List<WebModel.Instance> overview(Harness harness) {
        List<WebModel.Instance> out = new ArrayList<>();
        for (Instance i : harness.instances()) {
            Parameters p = i.parameters();
            List<WebModel.Listener> listeners = new ArrayList<>();
            for (Instance.Listener l : i.listeners()) {
                Parameters sp = i.services().stream().filter(s -> s.name().equals(l.service())).findFirst()
                        .map(Service::overrides).map(p::with).orElse(p);
                boolean smtpd = i.services().stream().anyMatch(s -> s.name().equals(l.service()));
                boolean sasl = smtpd && sp.bool("smtpd_sasl_auth_enable");
                listeners.add(new WebModel.Listener(l.service(), l.host(), l.port(),
                        smtpd ? sp.get("smtpd_tls_security_level") : null, smtpd && sp.bool("smtpd_tls_wrappermode"),
                        sasl, smtpd ? sp.get("smtpd_sasl_type") : null, smtpd && sp.bool("smtpd_tls_auth_only"),
                        sasl ? mechanisms(i, l.service(), false) : List.of(),
                        sasl ? mechanisms(i, l.service(), true) : List.of()));
            }
            out.add(new WebModel.Instance(i.name(), p.get("myhostname"), p.list("mailrelay_hostnames"), listeners,
                    p.get("relayhost"), p.get("smtp_tls_security_level"), p.bool("smtp_sasl_auth_enable"),
                    i.capture().messages().size(), i.capture().deliveries().size(),
                    (int) i.queue().stream().filter(q -> !q.active()).count(),
                    i.faults().list().stream().map(ApiDocuments::faultInfo).toList()));
        }
        return out;
    }

    /** What a listener's EHLO offers, or {@code null} when its SASL backend cannot say (Dovecot down). */
    private static List<String> mechanisms(Instance instance, String service, boolean tls) {
        try {
            return instance.saslMechanisms(service, tls);
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    /**
     * A page of messages, newest first, of one instance or all; each filter is a case-insensitive
     * substring of the envelope sender, a recipient, the Subject or the SASL login (empty: any).
     */
    static WebModel.MessagePage page(Harness harness, String instance, String sender, String recipient,
                                     String subject, String login, int offset, int limit) {
        List<CapturedMessage> all = new ArrayList<>();
        for (Instance i : harness.instances()) {
            if (instance.isEmpty() || i.name().equals(instance)) {
                all.addAll(i.capture().messages());
            }
        }
        // Newest first; arrival order within an instance breaks ties (the list is in arrival order).
        List<CapturedMessage> newest = new ArrayList<>(all.size());
        for (int k = all.size() - 1; k >= 0; k--) {
            newest.add(all.get(k));
        }
        newest.sort(Comparator.comparing(CapturedMessage::arrivalTime).reversed());
        Predicate<CapturedMessage> match = m -> contains(m.sender(), sender)
                && (recipient.isEmpty() || m.recipients().stream().anyMatch(r -> contains(r, recipient)))
                && contains(m.saslUsername(), login)
                && (subject.isEmpty() || contains(subjectOf(m), subject));
        List<CapturedMessage> matching = newest.stream().filter(match).toList();
        int from = Math.min(offset, matching.size());
        int to = Math.min(matching.size(), from + limit);
        return new WebModel.MessagePage(matching.size(), offset, limit,
                matching.subList(from, to).stream().map(ApiDocuments::messageInfo).toList());
    }

    private static boolean contains(String value, String part) {
        return part.isEmpty() || (value != null
                && value.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT)));
    }

    private static String subjectOf(CapturedMessage m) {
        try {
            return m.subject();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** The message view: details, headers, text, attachments, session and path. */
    static WebModel.MessageView view(Harness harness, Instance instance, CapturedMessage m) {
        List<WebModel.Header> headers = new ArrayList<>();
        String text = null;
        boolean html = false;
        List<WebModel.Attachment> attachments = new ArrayList<>();
        String parseError = null;
        try {
            Body body = Body.of(m);
            for (Header h : body.headers) {
                headers.add(new WebModel.Header(h.getName(), h.getValue()));
            }
            if (body.text != null) {
                text = textOf(body.text);
            }
            html = body.html != null;
            for (int k = 0; k < body.attachments.size(); k++) {
                Part p = body.attachments.get(k);
                attachments.add(new WebModel.Attachment(k, filename(p), p.getContentType(), p.getSize()));
            }
        } catch (MessagingException | IOException | IllegalStateException e) {
            parseError = e.getMessage();
        }
        boolean truncated = text != null && text.length() > TEXT_LIMIT;
        if (truncated) {
            text = text.substring(0, TEXT_LIMIT);
        }
        Optional<CapturedSession> session = sessionOf(instance, m);
        return new WebModel.MessageView(ApiDocuments.messageDetails(m), headers, text, truncated, html, attachments,
                parseError, session.map(MessageViews::session).orElse(null), path(harness, instance, m));
    }

    /** The HTML body, or empty. */
    static Optional<String> html(CapturedMessage m) {
        try {
            Body body = Body.of(m);
            return body.html == null ? Optional.empty() : Optional.of(textOf(body.html));
        } catch (MessagingException | IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes attachment {@code index} (decoded) through {@code open}, which receives its filename and
     * content type; false when there is no such attachment.
     */
    static boolean attachment(CapturedMessage m, int index, AttachmentSink sink) throws IOException {
        try {
            Body body = Body.of(m);
            if (index < 0 || index >= body.attachments.size()) {
                return false;
            }
            Part p = body.attachments.get(index);
            try (InputStream in = CapturedMessage.withJakartaMail(() -> {
                try {
                    return p.getInputStream();
                } catch (IOException | MessagingException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            })) {
                sink.write(filename(p), p.getContentType(), in);
            }
            return true;
        } catch (MessagingException e) {
            return false;
        }
    }

    /** Receives an attachment's bytes. */
    interface AttachmentSink {
        void write(String filename, String contentType, InputStream content) throws IOException;
    }

    /**
     * A message's parts as the view shows them: the first text/plain and text/html parts that are not
     * attachments are the bodies (multipart/alternative's choices), every other leaf is an attachment.
     */
    private record Body(List<Header> headers, Part text, Part html, List<Part> attachments) {

        static Body of(CapturedMessage m) throws MessagingException, IOException {
            MimeMessage mime = m.mimeMessage();
            List<Part> leaves = new ArrayList<>();
            try {
                CapturedMessage.withJakartaMail(() -> {
                    try {
                        collect(mime, leaves);
                        return null;
                    } catch (MessagingException | IOException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                });
            } catch (IllegalStateException e) {
                throw new MessagingException("cannot parse the MIME structure: " + e.getMessage(), e);
            }
            Part text = null;
            Part html = null;
            List<Part> attachments = new ArrayList<>();
            for (Part p : leaves) {
                boolean inline = !Part.ATTACHMENT.equalsIgnoreCase(p.getDisposition()) && p.getFileName() == null;
                if (text == null && inline && p.isMimeType("text/plain")) {
                    text = p;
                } else if (html == null && inline && p.isMimeType("text/html")) {
                    html = p;
                } else {
                    attachments.add(p);
                }
            }
            List<Header> headers = new ArrayList<>();
            for (var e = mime.getAllHeaders(); e.hasMoreElements(); ) {
                headers.add(e.nextElement());
            }
            return new Body(headers, text, html, attachments);
        }

        private static void collect(Part p, List<Part> leaves) throws MessagingException, IOException {
            if (p.isMimeType("multipart/*") && p.getContent() instanceof Multipart mp) {
                for (int k = 0; k < mp.getCount(); k++) {
                    collect(mp.getBodyPart(k), leaves);
                }
            } else {
                leaves.add(p);
            }
        }
    }

    /** A text part decoded by its charset; an unknown charset is read as ISO-8859-1 rather than not at all. */
    private static String textOf(Part p) throws IOException, MessagingException {
        return CapturedMessage.withJakartaMail(() -> {
            try {
                try {
                    Object content = p.getContent();
                    if (content instanceof String s) {
                        return s;
                    }
                } catch (UnsupportedEncodingException e) {
                    // falls through to the bytes
                }
                try (InputStream in = p.getInputStream()) {
                    return new String(in.readNBytes(TEXT_LIMIT + 1), StandardCharsets.ISO_8859_1);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (MessagingException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    private static String filename(Part p) {
        try {
            String name = p.getFileName();
            return name == null ? null : MimeUtility.decodeText(name);
        } catch (MessagingException | UnsupportedEncodingException e) {
            return null;
        }
    }

    /** The session whose DATA (or BDAT LAST) reply queued this message, if the capture still keeps it. */
    static Optional<CapturedSession> sessionOf(Instance instance, CapturedMessage m) {
        for (CapturedSession s : instance.capture().sessions()) {
            for (CapturedSession.Exchange e : s.transcript()) {
                if (queuedAs(e.reply()).filter(m.queueId()::equals).isPresent()) {
                    return Optional.of(s);
                }
            }
        }
        return Optional.empty();
    }

    private static WebModel.Session session(CapturedSession s) {
        return new WebModel.Session(s.id(), s.service(), s.clientAddress(), s.clientPort(), s.helo(), s.start(),
                s.end(), s.transcript().stream().map(e -> new WebModel.Exchange(e.command(), e.reply())).toList());
    }

    private static Optional<String> queuedAs(List<String> reply) {
        if (reply.isEmpty()) {
            return Optional.empty();
        }
        Matcher q = QUEUED_AS.matcher(reply.get(reply.size() - 1));
        return q.find() && reply.get(reply.size() - 1).startsWith("250") ? Optional.of(q.group(1)) : Optional.empty();
    }

    /** A hop: one instance's copy of the message. */
    private record Copy(Instance instance, CapturedMessage message) {
    }

    /**
     * The hops of {@code m}'s path: back to the first instance that accepted it, then forward along
     * every attempt an upstream acknowledged ({@code queued as X}); a message relayed to several
     * upstreams has several hops after its own.
     */
    static List<WebModel.Hop> path(Harness harness, Instance instance, CapturedMessage m) {
        Copy first = new Copy(instance, m);
        Set<String> seen = new HashSet<>();
        seen.add(key(first));
        for (Optional<Copy> before = previous(harness, first); before.isPresent() && seen.add(key(before.get()));
             before = previous(harness, first)) {
            first = before.get();
        }
        List<WebModel.Hop> hops = new ArrayList<>();
        Deque<Copy[]> todo = new ArrayDeque<>();   // {copy, the hop it came from}
        todo.add(new Copy[] {first, null});
        Set<String> done = new HashSet<>();
        while (!todo.isEmpty() && hops.size() < 64) {
            Copy[] next = todo.poll();
            Copy c = next[0];
            if (!done.add(key(c))) {
                continue;
            }
            List<DeliveryAttempt> attempts = c.instance.capture().deliveries().stream()
                    .filter(d -> d.queueId().equals(c.message.queueId())).toList();
            hops.add(hop(c, next[1], attempts, c.message == m && c.instance == instance));
            for (DeliveryAttempt d : attempts) {
                upstream(harness, d).ifPresent(u -> todo.add(new Copy[] {u, c}));
            }
        }
        return hops;
    }

    private static String key(Copy c) {
        return c.instance.name() + "/" + c.message.queueId();
    }

    /** The copy whose delivery attempt the upstream acknowledged as {@code c}. */
    private static Optional<Copy> previous(Harness harness, Copy c) {
        for (Instance i : harness.instances()) {
            for (DeliveryAttempt d : i.capture().deliveries()) {
                if (d.status() == DeliveryAttempt.Status.SENT
                        && upstream(harness, d).filter(u -> u.instance == c.instance
                                && u.message.queueId().equals(c.message.queueId())).isPresent()) {
                    Optional<CapturedMessage> m = find(i, d.queueId());
                    if (m.isPresent()) {
                        return Optional.of(new Copy(i, m.get()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The upstream's copy of what attempt {@code d} sent, when the upstream is an instance here. */
    private static Optional<Copy> upstream(Harness harness, DeliveryAttempt d) {
        Optional<String> id = d.status() == DeliveryAttempt.Status.SENT && d.reply() != null
                ? queuedAs(List.of(d.reply())) : Optional.empty();
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Matcher relay = RELAY.matcher(d.relay() == null ? "" : d.relay());
        String host = relay.matches() ? relay.group(1).toLowerCase(Locale.ROOT) : "";
        int port = relay.matches() ? Integer.parseInt(relay.group(2)) : -1;
        Copy fallback = null;
        for (Instance i : harness.instances()) {
            Optional<CapturedMessage> m = find(i, id.get());
            if (m.isEmpty()) {
                continue;
            }
            boolean named = host.equals(i.parameters().get("myhostname"))
                    || i.parameters().list("mailrelay_hostnames").contains(host)
                    || i.listeners().stream().anyMatch(l -> l.port() == port);
            if (named) {
                return Optional.of(new Copy(i, m.get()));
            }
            fallback = fallback == null ? new Copy(i, m.get()) : fallback;
        }
        return Optional.ofNullable(fallback);
    }

    private static Optional<CapturedMessage> find(Instance i, String queueId) {
        return i.capture().messages().stream().filter(m -> m.queueId().equals(queueId)).findFirst();
    }

    private static WebModel.Hop hop(Copy c, Copy from, List<DeliveryAttempt> attempts, boolean selected) {
        CapturedMessage m = c.message;
        List<WebModel.Rewrite> rewrites = new ArrayList<>();
        sessionOf(c.instance, m).ifPresent(s -> envelopeRewrites(s, m, rewrites));
        if (from != null) {
            headerRewrites(from, c, rewrites);
        }
        for (DeliveryAttempt d : attempts) {
            if (!Objects.equals(d.sender(), m.sender())) {
                rewrites.add(new WebModel.Rewrite("envelope sender as sent to " + d.nextHop() + " (smtp_generic_maps)",
                        m.sender(), d.sender()));
            }
            if (!m.recipients().containsAll(d.recipients())) {
                rewrites.add(new WebModel.Rewrite("envelope recipients as sent to " + d.nextHop()
                        + " (smtp_generic_maps)", String.join(", ", m.recipients()), String.join(", ", d.recipients())));
            }
        }
        WebModel.Queued queued = c.instance.queue().stream().filter(q -> q.queueId().equals(m.queueId())).findFirst()
                .map(MessageViews::queued).orElse(null);
        String client = m.clientName() == null ? m.clientAddress() : m.clientName() + "[" + m.clientAddress() + "]";
        return new WebModel.Hop(c.instance.name(), m.queueId(), client, m.helo(), m.protocol(), m.saslMethod(),
                m.saslUsername(), ApiDocuments.tls(m.tls()), m.arrivalTime(), rewrites,
                attempts.stream().map(ApiDocuments::deliveryInfo).toList(), queued, selected);
    }

    private static WebModel.Queued queued(QueueManager.QueuedMessage q) {
        return new WebModel.Queued(q.active(), q.attempts(), q.recipients(), q.nextRetry());
    }

    /**
     * Compares the envelope the client gave (MAIL FROM and the accepted RCPT TO of the transaction that
     * queued {@code m}) with the one queued (canonical and virtual alias maps, myorigin).
     */
    private static void envelopeRewrites(CapturedSession s, CapturedMessage m, List<WebModel.Rewrite> out) {
        String sender = null;
        List<String> recipients = new ArrayList<>();
        for (CapturedSession.Exchange e : s.transcript()) {
            String cmd = e.command() == null ? "" : e.command();
            String upper = cmd.toUpperCase(Locale.ROOT);
            boolean ok = !e.reply().isEmpty() && e.reply().get(e.reply().size() - 1).startsWith("250");
            if (upper.startsWith("MAIL FROM:") && ok) {
                sender = address(cmd.substring(10));
                recipients.clear();
            } else if (upper.startsWith("RCPT TO:") && ok) {
                recipients.add(address(cmd.substring(8)));
            } else if (upper.equals("RSET")) {
                sender = null;
                recipients.clear();
            } else if (queuedAs(e.reply()).filter(m.queueId()::equals).isPresent()) {
                if (sender != null && !sender.equals(m.sender())) {
                    out.add(new WebModel.Rewrite("envelope sender (cleanup)", sender, m.sender()));
                }
                if (sender != null && !recipients.equals(m.recipients())) {
                    out.add(new WebModel.Rewrite("envelope recipients (cleanup)", String.join(", ", recipients),
                            String.join(", ", m.recipients())));
                }
                return;
            }
        }
    }

    /** The address in a MAIL FROM or RCPT TO argument: between the angle brackets, else the first word. */
    private static String address(String arg) {
        String a = arg.strip();
        int lt = a.indexOf('<');
        int gt = a.indexOf('>', lt + 1);
        if (lt >= 0 && gt > lt) {
            return a.substring(lt + 1, gt);
        }
        int sp = a.indexOf(' ');
        return sp < 0 ? a : a.substring(0, sp);
    }

    /** The address headers that differ between the copy sent and the copy the next hop kept. */
    private static void headerRewrites(Copy from, Copy to, List<WebModel.Rewrite> out) {
        try {
            MimeMessage before = from.message.mimeMessage();
            MimeMessage after = to.message.mimeMessage();
            for (String name : ADDRESS_HEADERS) {
                String b = before.getHeader(name, ", ");
                String a = after.getHeader(name, ", ");
                if (!Objects.equals(b, a)) {
                    out.add(new WebModel.Rewrite("header " + name + ": (" + from.instance.name() + " -> "
                            + to.instance.name() + ")", b, a));
                }
            }
        } catch (MessagingException | IllegalStateException e) {
            // an unparsable header section: the raw sources still show both copies
        }
    }
}
