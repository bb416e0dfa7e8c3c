package dev.mailrelay.junit;

import java.security.SecureRandom;
import java.util.List;

/**
 * The topology {@code @EnableSaslRelay} starts when it declares nothing: SOHO_README's relay in
 * front of a SASL-protected ISP submission server, with fresh passwords for every harness.
 */
final class DefaultTopology {

    static final String RELAY = "relay";
    static final String ISP = "isp";
    static final String ISP_HOSTNAME = "mail.isp.example";
    static final String RELAY_HOSTNAME = "relay.example.com";
    static final String APP_LOGIN = "app";
    static final String RELAY_LOGIN = "relay-user";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

    private DefaultTopology() {
    }

    /** The two instances, {@code relay} first (the entry), with freshly generated passwords. */
    static List<InstanceSpec> create() {
        String ispPassword = password();
        InstanceSpec isp = InstanceSpec.named(ISP)
                .myhostname(ISP_HOSTNAME)
                .user(RELAY_LOGIN, ispPassword)
                .tls("may")
                // The submission service requires AUTH even from loopback (the relay connects from
                // 127.0.0.1, which is in mynetworks): smtpd_client_restrictions, applied at RCPT time.
                .masterCf("""
                        submission inet n - n - - smtpd
                          -o smtpd_sasl_auth_enable=yes
                          -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }""");
        InstanceSpec relay = InstanceSpec.named(RELAY)
                .myhostname(RELAY_HOSTNAME)
                .user(APP_LOGIN, password())
                .relayhost("[" + ISP_HOSTNAME + "]:submission")
                .mainCf("""
                        mynetworks = 127.0.0.1/32, [::1]/128
                        smtp_sasl_auth_enable = yes
                        smtp_sasl_password_maps = texthash:sasl_passwd
                        smtp_sasl_security_options = noanonymous
                        smtp_tls_security_level = may""")
                .table("sasl_passwd", "[" + ISP_HOSTNAME + "]:submission " + RELAY_LOGIN + ":" + ispPassword + "\n")
                .masterCf("smtp inet n - n - - smtpd");
        return List.of(relay, isp);
    }

    /** A random password of 20 characters, without look-alikes or characters tables treat specially. */
    static String password() {
        char[] c = new char[20];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
