package dev.mailrelay.junit;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.PublishedProperties;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The running harness of a test class (or method): every instance by name, and the entry instance
 * the application submits to. Injected as a parameter (also into {@code @BeforeAll} methods and
 * constructors of a per-class harness) or into a field marked {@link InstanceName}.
 *
 * <!-- snippet: junit-extension/src/test/java/dev/mailrelay/junit/examples/OrderMailTest.java#class -->
 * <pre>{@code
 * @EnableSaslRelay
 * class OrderMailTest {
 *     private final Shop shop = new Shop();   // the application under test
 *
 *     @Test
 *     void confirmsTheOrder(SaslRelay mail) throws Exception {
 *         shop.configureSmtp(mail.host(), mail.port(), mail.username(), mail.password());
 *         shop.order("bob@example.org", 42);
 *         MailAssertions.assertThat(mail.instance("relay")).receivedMessage().hasSubject("Your order");
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #host()}, {@link #port()}, {@link #username()} and {@link #password()} describe the entry
 * instance, so they fit property suppliers such as Spring's
 * {@code registry.add("spring.mail.port", mail::port)}.
 */
public final class SaslRelay {

    private final Harness harness;
    private final Map<String, RelayInstance> instances;
    private final String entry;

    SaslRelay(Harness harness, Map<String, RelayInstance> instances, String entry) {
        this.harness = harness;
        this.instances = new LinkedHashMap<>(instances);
        this.entry = entry;
    }

    /** The instance with this name. */
    public RelayInstance instance(String name) {
        RelayInstance i = instances.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no instance named " + name + "; running: " + instances.keySet());
        }
        return i;
    }

    /**
     * The same as {@link #instance(String)}.
     *
     * @deprecated use {@link #instance(String)}, the name the annotation, builder and plugin use; this
     *     method goes in the next release
     */
    @Deprecated
    public RelayInstance server(String name) {
        return instance(name);
    }

    /** Every instance in start order. */
    public List<RelayInstance> instances() {
        return new ArrayList<>(instances.values());
    }

    /** The instance the application submits to ({@link EnableSaslRelay#entry()}). */
    public RelayInstance entry() {
        return instance(entry);
    }

    /** The entry instance's address. */
    public String host() {
        return entry().host();
    }

    /** The entry instance's first port. */
    public int port() {
        return entry().port();
    }

    /** The entry instance's first SASL login. */
    public String username() {
        return entry().username();
    }

    /** The entry instance's password for {@link #username()}. */
    public String password() {
        return entry().password();
    }

    /** Flushes every instance's queue ({@link RelayInstance#flush()}). */
    public void flush() {
        instances.values().forEach(RelayInstance::flush);
    }

    /**
     * Leaves nothing of what came before, as the extension does between tests: every instance's queue
     * is deleted ({@code postsuper -d ALL}: deferred mail, and mail being delivered once that attempt
     * ends, so no retry lands in a later test), then everything every instance captured is forgotten
     * and every injected fault removed.
     */
    public void reset() {
        // An attempt that ends may hand its message to the next instance: delete, let the running
        // attempts end, and go round again until a round finds nothing queued (at most one round per
        // hop, plus the one that finds nothing).
        boolean found = true;
        for (int round = 0; found && round <= instances.size(); round++) {
            found = false;
            for (RelayInstance i : instances.values()) {
                found |= i.core().deleteQueuedMail() > 0;
            }
            for (RelayInstance i : instances.values()) {
                i.core().awaitIdle(RelayInstance.DEFAULT_TIMEOUT);
            }
        }
        instances.values().forEach(RelayInstance::reset);
    }

    /**
     * The properties {@link ExportSystemProperties} sets: {@code spring.mail.host/port/username/password}
     * for the entry instance (with the SSL bundle {@code spring.mail.ssl.bundle} and
     * {@code spring.ssl.bundle.pem.mailrelay.truststore.certificate} when it offers TLS with the
     * harness CA's certificate) and {@code mailrelay.<instance>.host/port/<service>.port/username/password},
     * the names the Maven plugin publishes too ({@link PublishedProperties}).
     */
    public Map<String, String> properties() {
        PublishedProperties p = PublishedProperties.of(harness).entry(entry);
        instances.values().forEach(i -> p.users(i.name(), i.users()));
        return p.toMap();
    }

    /** The core harness. */
    public Harness harness() {
        return harness;
    }

    @Override
    public String toString() {
        return "SaslRelay[entry=" + entry + ", " + instances.values() + "]";
    }
}
