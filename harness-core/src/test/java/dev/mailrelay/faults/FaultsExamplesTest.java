package dev.mailrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import dev.mailrelay.master.TheApplication;
import dev.mailrelay.tls.CertificateFlaw;
import jakarta.mail.MessagingException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The examples in the Javadoc of {@code dev.mailrelay.faults}, as they are printed there. */
class FaultsExamplesTest {

    private Harness harness;
    private Instance isp;

    @BeforeEach
    void start() {
        harness = Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                smtpd_sasl_auth_enable = yes
                mailrelay_sasl_users = inline:{ alice=secret }
                default_transport = discard
                """)), true);
        isp = harness.instance("isp");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void faults() {
        // tag::faults[]
        Faults faults = isp.faults();
        faults.onAuth().next(2).reply("454 4.7.0 Temporary authentication failure");
        faults.onRcpt().to("bob@.*").reply("450 4.2.0 Mailbox busy");
        faults.onData().next(1).disconnect();        // the classic duplicate
        faults.onConnect().refuse();                 // listeners closed: Connection refused
        faults.clear();                              // also done by every reset between tests
        // end::faults[]
        assertThat(faults.list()).isEmpty();
    }

    @Test
    void fault() throws Exception {
        // tag::fault[]
        Fault busy = isp.faults().onRcpt().to("bob@.*").next(2).reply("450 4.2.0 Mailbox busy");
        sendWithRetry();                    // the application: busy, busy, then accepted
        assertThat(busy.injected()).isEqualTo(2);
        busy.remove();
        // end::fault[]
        assertThat(isp.faults().list()).isEmpty();
        assertThat(isp.capture().awaitMessages(1, Duration.ofSeconds(10))).hasSize(1);
    }

    /** The application under test: a temporary failure is tried again, up to three times. */
    private void sendWithRetry() throws MessagingException {
        for (int attempt = 1; ; attempt++) {
            try {
                TheApplication.send(isp.port("smtp"), "alice", "secret", "Hello");
                return;
            } catch (MessagingException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    @Test
    void builder() {
        // tag::builder[]
        isp.faults().onAuth().mechanism("PLAIN").next(2).reply("454 4.7.0 Temporary authentication failure");
        isp.faults().onMail().from(".*@spammer\\.example").reply("550 5.7.1 Sender rejected");
        isp.faults().onData().withProbability(0.3, 42L).reply("451 4.3.0 Try again later");
        isp.faults().onData().next(1).disconnect();     // after the final dot, before the 250
        isp.faults().onConnect().delay(Duration.ofSeconds(5));
        isp.faults().onConnect().refuse();                 // Connection refused until removed
        isp.faults().onStarttls().certificate(CertificateFlaw.WRONG_NAME);
        // end::builder[]
        assertThat(isp.faults().list()).hasSize(7);
    }

    @Test
    void faultSpecAndMoment() {
        Faults faults = isp.faults();
        // tag::fault-spec[]
        // {"stage":"rcpt","to":".*@isp\\.example","reply":"450 4.2.0 Mailbox busy","next":2}
        faults.add(new FaultSpec("rcpt", null, null, null, null, ".*@isp\\.example",
                "450 4.2.0 Mailbox busy", false, null, false, false, null, 2, null, null));
        // end::fault-spec[]
        // tag::moment[]
        Optional<Fault> f = faults.strike(Moment.rcpt("me@box.local", "bob@isp.example"));
        // end::moment[]
        assertThat(f).isPresent();
        assertThat(f.get().injected()).isEqualTo(1);
    }
}
