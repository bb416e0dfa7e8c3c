package dev.mailrelay.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.mailrelay.master.Harness;
import dev.mailrelay.master.InstanceConfig;
import java.io.IOException;
import java.util.List;

/** The configurations the benchmark starts, and "start to ready" for each side. */
final class Topologies {

    static final String USER = "bench";
    static final String PASSWORD = "benchpass";
    static final String RELAY_USER = "relay-user";
    static final String RELAY_PASSWORD = "relaypass";
    static final String FROM = "app@client.example";
    /** Local to the ingest servers (mydestination), remote for the relay. */
    static final String LOCAL_RCPT = "bench@localhost";
    static final String REMOTE_RCPT = "bob@example.org";

    private Topologies() {
    }

    /** An ingest server: AUTH offered and required ({@code auth}) or a plain one trusting loopback. */
    static InstanceConfig server(String name, boolean auth) {
        InstanceConfig c = InstanceConfig.named(name).mainCf("""
                myhostname = srv.bench.example
                mydestination = localhost
                """);
        if (auth) {
            c.mainCf("smtpd_sasl_auth_enable = yes\n"
                    + "mailrelay_sasl_users = inline:{ " + USER + "=" + PASSWORD + " }\n"
                    + "smtpd_relay_restrictions = permit_sasl_authenticated, reject\n");
            c.masterCf("submission inet n - n - - smtpd");
        } else {
            c.masterCf("smtp inet n - n - - smtpd");
        }
        return c;
    }

    /** The upstream ISP: AUTH required, offered only after STARTTLS; keeps (discards onward) all mail. */
    static InstanceConfig upstream() {
        return InstanceConfig.named("isp").mainCf("myhostname = mail.isp.example\n"
                + "mydestination =\n"
                + "default_transport = discard\n"
                + "smtpd_sasl_auth_enable = yes\n"
                + "mailrelay_sasl_users = inline:{ " + RELAY_USER + "=" + RELAY_PASSWORD + " }\n"
                + "smtpd_tls_security_level = may\n"
                + "smtpd_tls_auth_only = yes\n"
                + "smtpd_relay_restrictions = permit_sasl_authenticated, reject\n")
                .masterCf("submission inet n - n - - smtpd");
    }

    /** The relay: SOHO_README's client with smtp_tls_security_level = encrypt and SASL. */
    static InstanceConfig relay() {
        return InstanceConfig.named("relay").mainCf("myhostname = relay.bench.example\n"
                + "mydestination =\n"
                + "relayhost = [mail.isp.example]:submission\n"
                + "smtp_tls_security_level = encrypt\n"
                + "smtp_sasl_auth_enable = yes\n"
                + "smtp_sasl_tls_security_options = noanonymous\n"
                + "smtp_sasl_password_maps = inline:{ [mail.isp.example]:submission=" + RELAY_USER + ":"
                + RELAY_PASSWORD + " }\n")
                .masterCf("smtp inet n - n - - smtpd");
    }

    /** (a) one SASL-protected server, ready when its greeting has been read. */
    static Harness startServer() throws IOException {
        Harness h = Harness.start(List.of(server("srv", true)), true);
        greet(h.instance("srv").port("submission"));
        return h;
    }

    /** (b) a relay and its upstream, ready when both greetings have been read. */
    static Harness startRelay() throws IOException {
        Harness h = Harness.start(List.of(upstream(), relay()), true);
        greet(h.instance("isp").port("submission"));
        greet(h.instance("relay").port("smtp"));
        return h;
    }

    /** GreenMail's SMTP server on an ephemeral port, ready when its greeting has been read. */
    static GreenMail startGreenMail() throws IOException {
        GreenMail g = new GreenMail(new ServerSetup(3025, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        g.start();
        greet(g.getSmtp().getPort());
        return g;
    }

    static void greet(int port) throws IOException {
        new RawSmtp(port).quit();
    }
}
