package dev.mailrelay.cleanup;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.ContentStore;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.capture.QueueFlags;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.global.AddressHeaders;
import dev.mailrelay.global.ResolveLocal;
import dev.mailrelay.qmgr.QueueManager;
import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Tables;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The cleanup stage of one instance (cleanup(8) with trivial-rewrite's rewrite step): it takes a
 * finished message from smtpd, rewrites its addresses as Postfix does and hands the queue file on,
 * in one order for every message: the queue file is written (on disk with a durable queue), then the
 * message is captured, then delivery starts; only then may smtpd answer 250. Content arrives through
 * {@link #openContent()} into the instance's {@link ContentStore}. The address rewriting, in Postfix's
 * order: unqualified addresses get
 * {@code @$myorigin} ({@code append_at_myorigin}, and {@code append_dot_mydomain}); the sender goes through
 * {@code sender_canonical_maps} then {@code canonical_maps}, each recipient through
 * {@code recipient_canonical_maps} then {@code canonical_maps}, in the envelope and in the address
 * headers ({@code canonical_classes}); then {@code virtual_alias_maps} expands envelope recipients,
 * recursively and one-to-many.
 *
 * <pre>{@code
 * Cleanup cleanup = new Cleanup(params, instanceDirectory, contents, capture, qmgr);
 * ContentStore.Writer w = cleanup.openContent();   // smtpd writes the content here
 * cleanup.enqueue(message);     // written, captured, delivering -- or an exception and nothing left
 * }</pre>
 */
public final class Cleanup {

    private static final Logger log = Maillog.logger("dev.mailrelay.cleanup");
    /** Postfix's virtual_alias_recursion_limit and virtual_alias_expansion_limit defaults. */
    private static final int RECURSION_LIMIT = 1000;
    private static final int EXPANSION_LIMIT = 1000;

    private final String instance;
    private final String myorigin;
    private final boolean appendAtMyorigin;
    private final boolean appendDotMydomain;
    /** Postfix runs with the backwards-compatible append_dot_mydomain = yes and logs each rewrite. */
    private final boolean legacyAppendDotMydomain;
    private final String mydomain;
    private final List<LookupTable> senderCanonical;
    private final List<LookupTable> recipientCanonical;
    private final List<LookupTable> canonical;
    private final List<LookupTable> virtualAlias;
    private final Set<String> canonicalClasses;
    private final String recipientDelimiter;
    private final ResolveLocal local;
    private final ContentStore contents;
    private final Capture capture;
    private final QueueManager queue;

    /**
     * @param contents where message content is kept
     * @param capture  where accepted messages are recorded
     * @param queue    the queue manager that writes queue files and delivers
     */
    public Cleanup(Parameters params, Path baseDirectory, ContentStore contents, Capture capture, QueueManager queue) {
        this.instance = params.instanceName();
        this.myorigin = params.myorigin();
        this.appendAtMyorigin = params.bool("append_at_myorigin");
        this.appendDotMydomain = params.bool("append_dot_mydomain");
        this.legacyAppendDotMydomain = params.legacyDefault("append_dot_mydomain", "1");
        this.mydomain = params.get("mydomain");
        this.senderCanonical = tables(params, "sender_canonical_maps", baseDirectory);
        this.recipientCanonical = tables(params, "recipient_canonical_maps", baseDirectory);
        this.canonical = tables(params, "canonical_maps", baseDirectory);
        this.virtualAlias = tables(params, "virtual_alias_maps", baseDirectory);
        this.canonicalClasses = new LinkedHashSet<>();
        params.list("canonical_classes").forEach(c -> canonicalClasses.add(c.toLowerCase(Locale.ROOT)));
        this.recipientDelimiter = params.get("recipient_delimiter");
        this.local = new ResolveLocal(params, baseDirectory);
        this.contents = contents;
        this.capture = capture;
        this.queue = queue;
    }

    private static List<LookupTable> tables(Parameters params, String name, Path baseDirectory) {
        return params.parsed(name, v -> Tables.openList(v, baseDirectory));
    }

    /** A writer for the content of a message being received. */
    public ContentStore.Writer openContent() {
        return contents.writer();
    }

    /** The delivery agents the queue manager knows, for smtpd to check FILTER actions at start. */
    public Set<String> transports() {
        return queue.transports();
    }

    /** The file systems content is written to: the content spool's and the durable queue's. */
    public List<FileStore> fileStores() {
        List<FileStore> stores = new ArrayList<>();
        stores.add(contents.fileStore());
        queue.fileStore().ifPresent(stores::add);
        return stores;
    }

    /**
     * Rewrites and queues a message: when this returns, its queue file is written, it is captured
     * and its delivery has started -- from here on it is the instance's and is never lost. When this
     * throws, none of that happened: there is no queue file and no capture of it.
     *
     * @throws IOException when the queue file cannot be written
     */
    public void enqueue(CapturedMessage message) throws IOException {
        enqueue(message, AccessActions.NONE);
    }

    /**
     * As {@link #enqueue(CapturedMessage)}, with the access-table actions smtpd delegated: BCC
     * recipients are added as any recipient (virtual aliases apply); REDIRECT replaces every
     * recipient; HOLD and FILTER go with the queue file; a DISCARDed message is captured as
     * discarded and neither queued nor delivered, as Postfix's cleanup reports success and drops it.
     */
    public void enqueue(CapturedMessage message, AccessActions actions) throws IOException {
        CapturedMessage withActions = message;
        if (!actions.bcc().isEmpty()) {
            List<String> recipients = new ArrayList<>(message.recipients());
            recipients.addAll(actions.bcc());
            withActions = message.withEnvelope(message.sender(), recipients, message.messageContent());
        }
        CapturedMessage rewritten = rewrite(withActions);
        if (actions.redirect() != null) {
            // cleanup records REC_TYPE_RDR; the queue manager then delivers to that address alone.
            rewritten = rewritten.withEnvelope(rewritten.sender(), List.of(qualify(actions.redirect())),
                    rewritten.messageContent());
        }
        if (actions.hold() || actions.discard() || actions.filter() != null) {
            rewritten = rewritten.withFlags(new QueueFlags(actions.hold() && !actions.discard(), actions.discard(),
                    actions.filter()));
        }
        if (actions.discard()) {
            capture.record(rewritten);
            return;
        }
        queue.write(rewritten);
        try {
            capture.record(rewritten);
        } catch (RuntimeException | Error e) {
            queue.abandon(rewritten);
            throw e;
        }
        queue.deliver(rewritten);
    }

    private CapturedMessage rewrite(CapturedMessage m) {
        String sender = m.sender().isEmpty() ? "" : qualify(m.sender());
        if (!sender.isEmpty() && canonicalClasses.contains("envelope_sender")) {
            sender = canonical(sender, senderCanonical);
        }
        List<String> recipients = new ArrayList<>();
        for (String r : m.recipients()) {
            String q = qualify(r);
            recipients.addAll(virtual(canonicalClasses.contains("envelope_recipient") ? canonical(q, recipientCanonical) : q,
                    m.queueId()));
        }
        MessageContent content = m.messageContent();
        if (canonicalClasses.contains("header_sender") && hasCanonical(senderCanonical)) {
            content = AddressHeaders.rewrite(content, AddressHeaders.SENDER_HEADERS,
                    a -> canonical(qualify(a), senderCanonical));
        }
        if (canonicalClasses.contains("header_recipient") && hasCanonical(recipientCanonical)) {
            content = AddressHeaders.rewrite(content, AddressHeaders.RECIPIENT_HEADERS,
                    a -> canonical(qualify(a), recipientCanonical));
        }
        if (sender.equals(m.sender()) && recipients.equals(m.recipients()) && content == m.messageContent()) {
            return m;
        }
        return m.withEnvelope(sender, List.copyOf(new LinkedHashSet<>(recipients)), content);
    }

    private boolean hasCanonical(List<LookupTable> specific) {
        return !specific.isEmpty() || !canonical.isEmpty();
    }

    /**
     * append_at_myorigin: {@code user} becomes {@code user@$myorigin}; append_dot_mydomain (off
     * since Postfix 3.0): {@code user@host} becomes {@code user@host.$mydomain}.
     */
    private String qualify(String address) {
        if (address.isEmpty()) {
            return address;
        }
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return appendAtMyorigin ? address + "@" + myorigin : address;
        }
        String domain = address.substring(at + 1);
        if (!appendDotMydomain || domain.indexOf('.') >= 0 || domain.startsWith("[")) {
            return address;
        }
        if (legacyAppendDotMydomain && !domain.equalsIgnoreCase("localhost")) {
            // trivial-rewrite's rewrite.c logs each rewrite the old default makes.
            log.info("{}/trivial-rewrite: using backwards-compatible default setting append_dot_mydomain=yes to "
                    + "rewrite \"{}\" to \"{}.{}\"", instance, domain, domain, mydomain);
        }
        return address + "." + mydomain;
    }

    private String canonical(String address, List<LookupTable> specific) {
        String a = find(specific, address).map(this::qualify).orElse(address);
        return find(canonical, a).map(this::qualify).orElse(a);
    }

    private Optional<String> find(List<LookupTable> maps, String address) {
        if (maps.isEmpty()) {
            return Optional.empty();
        }
        return AddressLookup.find(maps, address, recipientDelimiter, local::findsLocalPart)
                .flatMap(v -> Parameters.split(v).stream().findFirst());
    }

    /** virtual_alias_maps: recursive, one-to-many; an address that maps to itself is final. */
    private List<String> virtual(String address, String queueId) {
        if (virtualAlias.isEmpty()) {
            return List.of(address);
        }
        List<String> out = new ArrayList<>();
        expand(address, 0, out, queueId);
        return out;
    }

    private void expand(String address, int depth, List<String> out, String queueId) {
        Optional<String> v = AddressLookup.find(virtualAlias, address, recipientDelimiter, local::findsLocalPart);
        if (v.isEmpty() || depth >= RECURSION_LIMIT) {
            if (depth >= RECURSION_LIMIT) {
                log.warn("{}/cleanup: {}: unreasonable virtual_alias_maps nesting for {}", instance, queueId, address);
            }
            out.add(address);
            return;
        }
        for (String target : Parameters.split(v.get())) {
            String t = qualify(target);
            if (out.size() >= EXPANSION_LIMIT) {
                log.warn("{}/cleanup: {}: unreasonable virtual_alias_maps expansion for {}", instance, queueId,
                        address);
                return;
            }
            if (t.equalsIgnoreCase(address)) {
                out.add(t);
            } else {
                expand(t, depth + 1, out, queueId);
            }
        }
    }
}
