package dev.mailrelay.junit;

import dev.mailrelay.master.InstanceDirectory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The topology {@code @EnableSaslRelay} starts when it declares nothing, shaped like production
 * submission: the application submits to {@code relay}, which offers STARTTLS and AUTH, and relays as
 * SOHO_README's client does (TLS required, SASL) to {@code isp}, whose submission service is
 * master.cf's as Postfix ships it (TLS required, AUTH only over TLS). Passwords are fresh per harness.
 * Declared instances named {@code relay} or {@code isp} adjust these ({@link InstanceSpec#adjust}).
 */
final class DefaultTopology {

    static final String RELAY = "relay";
    static final String ISP = "isp";
    static final String ISP_HOSTNAME = "mail.isp.example";
    static final String RELAY_HOSTNAME = "relay.example.com";
    static final String APP_LOGIN = "app";
    static final String RELAY_LOGIN = "relay-user";

    private DefaultTopology() {
    }

    /** The two instances, {@code relay} first (the entry), with freshly generated passwords. */
    static List<InstanceSpec> create() {
        String ispPassword = InstanceDirectory.generatePassword();
        InstanceSpec isp = InstanceSpec.named(ISP)
                .myhostname(ISP_HOSTNAME)
                .user(RELAY_LOGIN, ispPassword)
                // The end of the line: what the ISP accepts is captured, not sent on to the internet.
                .mainCf("default_transport = discard")
                // master.cf's submission entry as Postfix ships it. The client restriction makes AUTH
                // required even from loopback (the relay connects from 127.0.0.1, in mynetworks).
                .masterCf("""
                        submission inet n - n - - smtpd
                          -o smtpd_tls_security_level=encrypt
                          -o smtpd_sasl_auth_enable=yes
                          -o smtpd_tls_auth_only=yes
                          -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }""");
        InstanceSpec relay = InstanceSpec.named(RELAY)
                .myhostname(RELAY_HOSTNAME)
                .user(APP_LOGIN)
                .tls("may")
                .relayhost("[" + ISP_HOSTNAME + "]:submission")
                // SOHO_README's client settings: SASL only over TLS, which the ISP requires anyway.
                .mainCf("""
                        mynetworks = 127.0.0.1/32, [::1]/128
                        smtp_sasl_auth_enable = yes
                        smtp_sasl_password_maps = texthash:sasl_passwd
                        smtp_sasl_security_options = noanonymous
                        smtp_sasl_tls_security_options = noanonymous
                        smtp_tls_security_level = encrypt""")
                .table("sasl_passwd", "[" + ISP_HOSTNAME + "]:submission " + RELAY_LOGIN + ":" + ispPassword + "\n")
                .masterCf("smtp inet n - n - - smtpd");
        return List.of(relay, isp);
    }

    /**
     * The default instances adjusted by the declared ones of the same name, followed by the other
     * declared instances.
     */
    static List<InstanceSpec> with(List<InstanceSpec> declared) {
        List<InstanceSpec> out = new ArrayList<>(create());
        Set<String> adjusted = new HashSet<>();
        for (InstanceSpec d : declared) {
            // A second declaration of the same default name is added, and fails as a duplicate name.
            if ((d.name().equals(RELAY) || d.name().equals(ISP)) && adjusted.add(d.name())) {
                out.stream().filter(s -> s.name().equals(d.name())).findFirst().orElseThrow().adjust(d);
            } else {
                out.add(d);
            }
        }
        return out;
    }

}
