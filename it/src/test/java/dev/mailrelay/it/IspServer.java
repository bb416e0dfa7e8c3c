package dev.mailrelay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.Instance;
import dev.mailrelay.master.InstanceConfig;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The server every client test talks to: an ISP submission service as SASL_README sets it up, with
 * an empty {@code mynetworks}, so that the loopback client may relay to {@link #RCPT} only after AUTH
 * — a captured message proves the AUTH took effect. Each test sends a unique subject and waits for
 * the message with that subject, so tests sharing one server do not see each other's mail.
 */
final class IspServer implements AutoCloseable {

    static final String HOSTNAME = "mail.isp.example";
    /** Outside every local domain: accepted only from an authenticated client. */
    static final String RCPT = "friend@remote.example";
    static final String FROM = "alice@isp.example";
    static final String ALICE = "alice";
    static final String ALICE_PASSWORD = "secret";
    static final String BOB = "bob@isp.example";
    static final String BOB_PASSWORD = "pw";
    static final String TOKEN = "tok123";
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Harness harness;

    private IspServer(Harness harness) {
        this.harness = harness;
    }

    static IspServer start() {
        return new IspServer(Harness.start(List.of(InstanceConfig.named("isp").mainCf("""
                myhostname = mail.isp.example
                mydomain = isp.example
                mynetworks =
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_authenticated_header = yes
                mailrelay_sasl_users = inline:{ alice=secret, bob@isp.example=pw }
                mailrelay_sasl_oauth_tokens = inline:{ tok123=alice }
                """).masterCf("""
                submission inet n - n - - smtpd
                xoauth2only inet n - n - - smtpd -o smtpd_sasl_mechanism_filter=xoauth2
                """)), true));
    }

    Instance instance() {
        return harness.instance("isp");
    }

    int port() {
        return instance().port("submission");
    }

    /**
     * The port of a service offering XOAUTH2 as its only mechanism, for clients that prefer
     * OAUTHBEARER whenever both are offered (curl 7.88, even with {@code --login-options AUTH=XOAUTH2}).
     */
    int xoauth2OnlyPort() {
        return instance().port("xoauth2only");
    }

    /** A subject no other test uses. */
    static String uniqueSubject(String what) {
        return what + " " + UUID.randomUUID();
    }

    /** Waits for the message with that subject. */
    CapturedMessage awaitSubject(String subject) {
        return instance().capture().awaitMessage(m -> subject.equals(m.subject()), WAIT);
    }

    /**
     * Waits for the message with that subject and checks everything the server recorded about an
     * authenticated submission from the loopback client: mechanism, login, envelope, protocol and the
     * Received header Postfix writes with {@code smtpd_sasl_authenticated_header = yes}.
     */
    CapturedMessage assertAuthenticatedDelivery(String subject, String mechanism, String login) {
        CapturedMessage m = awaitSubject(subject);
        assertThat(m.saslMethod()).as("sasl_method").isEqualTo(mechanism);
        assertThat(m.saslUsername()).as("sasl_username").isEqualTo(login);
        assertThat(m.sender()).as("envelope sender").isEqualTo(FROM);
        assertThat(m.recipients()).as("envelope recipients").containsExactly(RCPT);
        assertThat(m.protocol()).as("protocol").isEqualTo("ESMTPA");
        assertThat(m.clientAddress()).as("client address").isEqualTo("127.0.0.1");
        assertThat(m.receivedHeader())
                .as("Received header")
                .startsWith("Received: from ")
                .contains("(localhost [127.0.0.1])")
                .contains("(Authenticated sender: " + login + ")")
                .contains("by " + HOSTNAME + " (Postfix) with ESMTPA id " + m.queueId())
                .contains("for <" + RCPT + ">;");
        assertThat(m.contentAsString()).as("content").startsWith(m.receivedHeader());
        return m;
    }

    @Override
    public void close() {
        harness.close();
    }
}
