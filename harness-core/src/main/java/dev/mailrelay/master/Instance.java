package dev.mailrelay.master;

import dev.mailrelay.capture.Capture;
import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.ContentStore;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.cleanup.Cleanup;
import dev.mailrelay.dns.VirtualNetwork;
import dev.mailrelay.faults.Faults;
import dev.mailrelay.local.Mailboxes;
import dev.mailrelay.tables.TableType;
import dev.mailrelay.tables.Tables;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import dev.mailrelay.qmgr.QueueManager;
import dev.mailrelay.qmgr.Resolver;
import dev.mailrelay.qmgr.Transports;
import dev.mailrelay.smtp.SmtpTransport;
import dev.mailrelay.tables.DomainList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import dev.mailrelay.config.ConfigException;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.config.Service;
import dev.mailrelay.smtpd.SmtpdServer;
import dev.mailrelay.xsasl.SaslServerImpls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * One running Postfix-like system: its parameters, its smtpd listeners from {@code master.cf} and
 * everything it captured. Created by {@link Harness}.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#instance -->
 * <pre>{@code
 * Instance isp = harness.instance("isp");
 * int port = isp.port("submission");
 * TheApplication.send(port, "alice", "secret", "Hello");   // the application under test
 * CapturedMessage m = isp.capture().awaitMessages(1, Duration.ofSeconds(5)).get(0);
 * }</pre>
 */
public final class Instance implements AutoCloseable {

    private static final Logger log = Maillog.logger("dev.mailrelay.master");

    /** One bound smtpd listener. */
    public record Listener(String service, String host, int port) {
    }

    private final String name;
    private final Parameters parameters;
    private final Capture capture;
    private final List<Service> services;
    private final Path directory;
    private final List<SmtpdServer> servers = new ArrayList<>();
    private final VirtualNetwork network;
    private final Faults faults;
    private Cleanup cleanup;
    private ContentStore contents;
    private QueueManager qmgr;
    private Mailboxes mailboxes;

    private Instance(String name, Parameters parameters, List<Service> services, Path directory,
                     VirtualNetwork network) {
        this.name = name;
        this.parameters = parameters;
        this.services = List.copyOf(services);
        this.directory = directory;
        // The capture belongs to the instance, not to one smtpd service, so its limit is read here.
        this.capture = new Capture(name, parameters.integer("mailrelay_session_retention_limit"));
        this.network = network;
        this.faults = new Faults(name);
    }

    /**
     * Checks the configuration and binds every smtpd service; on any failure what was bound is closed.
     *
     * @param ephemeralPorts bind ephemeral ports instead of the ports master.cf names
     */
    static Instance start(InstanceConfig config, boolean ephemeralPorts, VirtualNetwork network) {
        Parameters params = config.parameters();
        List<Service> services = config.services();
        params.warnings(services).forEach(w -> log.warn("{}: warning: {}", config.name(), w));
        params.notImplemented(services).forEach((p, changesMail) -> {
            if (changesMail) {
                log.warn("{}: warning: {}", config.name(), Parameters.notImplementedMessage(p, true));
            } else {
                log.info("{}: {}", config.name(), Parameters.notImplementedMessage(p, false));
            }
        });
        // Every implemented parameter against its kind; the components built below parse the rest.
        params.check();
        Instance instance = new Instance(config.name(), params, services, config.baseDirectory(), network);
        warnReadablePasswordTables(config.name(), params, config.baseDirectory());
        try {
            Path dir = config.baseDirectory();
            SmtpTransport smtp = new SmtpTransport(params, dir, network);
            instance.mailboxes = params.bool("mailrelay_mailboxes") ? startMailboxes(params, dir) : null;
            instance.contents = contentStore(params, dir);
            instance.qmgr = new QueueManager(params, new Resolver(params, dir), Map.of("smtp", smtp, "relay", smtp,
                    "local", instance.mailboxes != null ? instance.mailboxes : Transports.LOCAL,
                    "discard", Transports.DISCARD, "error", Transports.ERROR, "retry", Transports.RETRY),
                    instance.capture, instance::bounce);
            String queueDirectory = params.get("mailrelay_queue_directory").strip();
            if (!queueDirectory.isEmpty()) {
                instance.qmgr.useDirectory(dir.resolve(queueDirectory), instance.contents);
            }
            instance.cleanup = new Cleanup(params, dir, instance.contents, instance.capture, instance.qmgr);
            Cleanup cleanup = instance.cleanup;
            Set<String> saslWarnings = new HashSet<>();     // each once, not once per service
            for (Service service : services) {
                if (!service.isSmtpdListener()) {
                    continue;
                }
                Parameters serviceParams = params.with(service.overrides());
                serviceParams.check();
                SaslServerImpls.userSourceWarning(serviceParams, config.baseDirectory())
                        .filter(saslWarnings::add)
                        .ifPresent(w -> log.warn("{}: warning: {}", config.name(), w));
                SmtpdServer server = new SmtpdServer(service.name(), serviceParams, config.baseDirectory(),
                        SaslServerImpls.forSmtpd(serviceParams, config.baseDirectory()), cleanup, instance.capture,
                        instance.faults);
                server.start(bindAddress(service, serviceParams), ephemeralPorts ? 0 : service.port());
                instance.servers.add(server);
                log.info("{}/{}: listening on {}:{}", config.name(), service.name(),
                        server.address().getHostAddress(), server.port());
            }
            instance.joinNetwork(config);
        } catch (IOException e) {
            instance.close();
            throw new UncheckedIOException("instance " + config.name() + ": cannot bind: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            instance.close();
            throw e;
        }
        return instance;
    }

    /**
     * Hands the queue files left in {@code mailrelay_queue_directory} to the queue manager. The
     * harness calls it once every instance of the start has joined the network, so that recovered
     * mail finds the instances it goes to (they start side by side).
     */
    void recoverQueue() {
        int recovered = qmgr.recover();
        if (recovered > 0) {
            log.info("{}: {} queue file(s) recovered from mailrelay_queue_directory", name, recovered);
        }
    }

    /**
     * mailrelay_content_directory and mailrelay_content_memory_limit, checked at start: message
     * content beyond the limit goes to a private directory made under the named one (the JVM's
     * temporary directory when empty, a path relative to the instance directory otherwise).
     */
    private static ContentStore contentStore(Parameters params, Path dir) {
        long limit = params.longValue("mailrelay_content_memory_limit");
        if (limit < 0) {
            throw params.error("mailrelay_content_memory_limit", "invalid mailrelay_content_memory_limit parameter "
                    + "value " + limit + " < 0");
        }
        String named = params.get("mailrelay_content_directory").strip();
        Path parent = named.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : dir.resolve(named);
        try {
            return new ContentStore(parent, params.instanceName(), limit);
        } catch (IOException e) {
            throw params.error("mailrelay_content_directory", "cannot keep message content in " + parent + ": "
                    + e.getMessage());
        }
    }

    /** The queue manager's bounce sink: a bounce is queued as any message is. */
    private void bounce(CapturedMessage message) {
        try {
            cleanup.enqueue(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Postfix's SASL_README: the password file must not be readable by others ({@code chmod 600});
     * a table of passwords (mailrelay_sasl_users, smtp_sasl_password_maps) that other users can read
     * is a warning naming the file and its mode. Tables the harness writes itself are created 0600
     * ({@link InstanceDirectory}) and so never warn.
     */
    static List<String> warnReadablePasswordTables(String instance, Parameters params, Path baseDirectory) {
        List<String> warnings = new ArrayList<>();
        for (String parameter : List.of("mailrelay_sasl_users", "smtp_sasl_password_maps")) {
            for (String spec : Parameters.split(params.get(parameter))) {
                Optional<Path> file = TableType.file(spec, baseDirectory);
                if (file.isEmpty()) {
                    continue;
                }
                try {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file.get());
                    if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                        String w = parameter + ": password table " + file.get() + " is readable by other users (mode "
                                + PosixFilePermissions.toString(perms)
                                + "); restrict it (chmod 600) as Postfix's SASL_README advises";
                        log.warn("{}: warning: {}", instance, w);
                        warnings.add(w);
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // no such file (reported when the table is opened) or no POSIX permissions here
                }
            }
        }
        return warnings;
    }

    private static Mailboxes startMailboxes(Parameters params, Path dir) {
        String users = params.get("mailrelay_sasl_users").strip();
        try {
            return Mailboxes.start(users.isEmpty() ? Tables.empty("(no mailrelay_sasl_users)") : Tables.open(users, dir));
        } catch (NoClassDefFoundError e) {
            throw params.error("mailrelay_mailboxes", "mailrelay_mailboxes = yes needs GreenMail "
                    + "(com.icegreen:greenmail) on the classpath");
        }
    }

    /** Publishes the instance's names, MX domains and listeners in the virtual network. */
    private void joinNetwork(InstanceConfig config) {
        List<String> names = new ArrayList<>();
        names.add(parameters.get("myhostname").toLowerCase(Locale.ROOT));
        parameters.list("mailrelay_hostnames").forEach(n -> names.add(n.toLowerCase(Locale.ROOT)));
        DomainList finalDestination = DomainList.parse(parameters.list("mydestination"), config.baseDirectory(), false);
        Map<Integer, Integer> ports = new HashMap<>();
        InetAddress address = InetAddress.getLoopbackAddress();
        for (SmtpdServer s : servers) {
            nominalPort(s.service()).ifPresent(p -> ports.putIfAbsent(p, s.port()));
            if (s.address().isLoopbackAddress()) {
                address = s.address();
            }
        }
        network.register(new VirtualNetwork.Host(name, List.copyOf(names), finalDestination::matches, address, ports));
    }

    /**
     * The port a master.cf service name stands for; none for a label that is no port (accepted with
     * ephemeral ports only, and then reachable by its bound port but not through the network).
     */
    private static java.util.Optional<Integer> nominalPort(String service) {
        int colon = service.lastIndexOf(':');
        try {
            return java.util.Optional.of(Service.port(colon < 0 ? service : service.substring(colon + 1), null, 0));
        } catch (ConfigException e) {
            return java.util.Optional.empty();
        }
    }

    /** The service's own host, else the first of inet_interfaces (loopback-only by default). */
    private static InetAddress bindAddress(Service service, Parameters params) {
        String host = service.host();
        if (host == null) {
            List<String> interfaces = params.list("inet_interfaces");
            String first = interfaces.isEmpty() ? "loopback-only" : interfaces.get(0).toLowerCase(Locale.ROOT);
            host = switch (first) {
                case "loopback-only", "localhost" -> "127.0.0.1";
                case "all" -> "0.0.0.0";
                default -> first;
            };
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new ConfigException(service.source(), service.line(), "inet_interfaces",
                    "cannot resolve listen address: " + host);
        }
    }

    public String name() {
        return name;
    }

    /** The instance's effective parameters ({@code main.cf} over Postfix's defaults). */
    public Parameters parameters() {
        return parameters;
    }

    /** The instance's {@code master.cf} services, every one of them (not only the smtpd listeners). */
    public List<Service> services() {
        return services;
    }

    /** The instance directory: the base of relative table paths and {@code sasl/}. */
    public Path directory() {
        return directory;
    }

    /** What the instance captured: sessions and accepted messages. */
    public Capture capture() {
        return capture;
    }

    /**
     * The instance's injected faults, for every smtpd service of it: what makes it fail the way real
     * ISPs and relays fail, switched on and off while it runs.
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#faults -->
     * <pre>{@code
     * isp.faults().onAuth().next(2).reply("454 4.7.0 Temporary authentication failure");
     * isp.faults().clear();
     * }</pre>
     */
    public Faults faults() {
        return faults;
    }

    /** The bound listeners in master.cf order. */
    public List<Listener> listeners() {
        List<Listener> out = new ArrayList<>();
        for (SmtpdServer s : servers) {
            out.add(new Listener(s.service(), s.address().getHostAddress(), s.port()));
        }
        if (mailboxes != null) {
            out.add(new Listener("imap", "127.0.0.1", mailboxes.imapPort()));
            out.add(new Listener("pop3", "127.0.0.1", mailboxes.pop3Port()));
        }
        return out;
    }

    /**
     * The SASL mechanisms smtpd service {@code service} (its master.cf name) offers in EHLO before
     * STARTTLS ({@code tls} false) or with TLS; see {@link SmtpdServer#saslMechanisms(boolean)}.
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#sasl-mechanisms -->
     * <pre>{@code
     * List<String> offered = isp.saslMechanisms("submission", true);   // what EHLO offers after STARTTLS
     * }</pre>
     */
    public List<String> saslMechanisms(String service, boolean tls) {
        for (SmtpdServer s : servers) {
            if (s.service().equals(service)) {
                return s.saslMechanisms(tls);
            }
        }
        throw new IllegalArgumentException("instance " + name + " has no smtpd service " + service);
    }

    /**
     * Whether smtpd service {@code service} (its master.cf name) offers TLS — STARTTLS or wrapper
     * mode — with a certificate the harness CA issued, so that a client trusting
     * {@link dev.mailrelay.tls.HarnessCa} verifies it; false for a service that is not smtpd's.
     */
    public boolean harnessCertificate(String service) {
        return servers.stream().anyMatch(s -> s.service().equals(service) && s.harnessCertificate());
    }

    /**
     * The bound port of a service, by its master.cf name ({@code submission}, {@code 127.0.0.1:2525})
     * or by its service part ({@code submission}, {@code 2525}).
     */
    public int port(String service) {
        for (Listener l : listeners()) {
            if (l.service().equals(service)) {
                return l.port();
            }
        }
        for (SmtpdServer s : servers) {
            int colon = s.service().lastIndexOf(':');
            if (colon >= 0 && s.service().substring(colon + 1).equals(service)) {
                return s.port();
            }
        }
        throw new IllegalArgumentException("instance " + name + " has no smtpd service " + service
                + "; it has " + listeners());
    }

    /**
     * Retries all deferred mail now, as {@code postqueue -f} does; returns at once (wait on
     * {@link Capture#awaitDeliveries} for the outcome).
     */
    public void flush() {
        if (qmgr != null) {
            qmgr.flush();
        }
    }

    /**
     * Releases all mail an access table's HOLD action put on hold, as {@code postsuper -H ALL} does,
     * and delivers it now; returns at once (wait on {@link Capture#awaitDeliveries} for the outcome).
     *
     * <!-- snippet: harness-core/src/test/java/dev/mailrelay/master/MasterExamplesTest.java#release-held-mail -->
     * <pre>{@code
     * instance.releaseHeldMail();
     * instance.capture().awaitDeliveries(1, Duration.ofSeconds(10));
     * }</pre>
     *
     * @return how many messages were released
     */
    public int releaseHeldMail() {
        return qmgr == null ? 0 : qmgr.releaseHeld();
    }

    /** The number of messages on hold (an access table's HOLD action), as {@code mailq} lists them with "!". */
    public int heldMailCount() {
        return qmgr == null ? 0 : qmgr.heldCount();
    }

    /**
     * Deletes all queued mail, as {@code postsuper -d ALL} does: deferred messages (and their files
     * in {@code mailrelay_queue_directory}) at once, a message being delivered when that attempt
     * ends, without retry or bounce; its connection is closed now, so the attempt ends even when the
     * upstream has stalled. What was captured stays (see {@link Capture#reset()}).
     *
     * @return how many messages were queued
     */
    public int deleteQueuedMail() {
        return qmgr == null ? 0 : qmgr.deleteAll();
    }

    /** The mail queued now, active or deferred, with next retry times; empty for an instance without a queue. */
    public List<QueueManager.QueuedMessage> queue() {
        return qmgr == null ? List.of() : qmgr.queued();
    }

    /**
     * Waits until this instance is delivering nothing (deferred mail may remain): after it, no
     * message arrives anywhere because of mail this instance has already accepted, until a retry.
     *
     * @return whether it went idle within the timeout
     */
    public boolean awaitIdle(Duration timeout) {
        try {
            return qmgr == null || qmgr.awaitIdle(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops accepting connections on every listener, at once ({@link #close()} does the rest). */
    void stopAccepting() {
        servers.forEach(SmtpdServer::stopAccepting);
    }

    /** Stops every listener, open session and delivery, and leaves the virtual network. */
    @Override
    public void close() {
        network.unregister(name);
        for (SmtpdServer s : servers) {
            s.close();
        }
        if (qmgr != null) {
            qmgr.close();
        }
        if (mailboxes != null) {
            mailboxes.close();
        }
        if (contents != null) {
            contents.close();   // the spool files of every message this instance kept
        }
    }

    @Override
    public String toString() {
        return "Instance[" + name + " " + listeners() + "]";
    }
}
