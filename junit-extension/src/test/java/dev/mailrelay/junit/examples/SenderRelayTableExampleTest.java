package dev.mailrelay.junit.examples;

import static dev.mailrelay.junit.assertj.MailAssertions.assertThat;

import dev.mailrelay.junit.EnableSaslRelay;
import dev.mailrelay.junit.InstanceName;
import dev.mailrelay.junit.Mail;
import dev.mailrelay.junit.RelayInstance;
import dev.mailrelay.junit.SaslInstance;
import org.junit.jupiter.api.Test;

/** {@code SaslInstance.tables}' Javadoc example: a table file the relay's main.cf names. */
@EnableSaslRelay(instances = {
    @SaslInstance(name = "relay", mainCf = "sender_dependent_relayhost_maps = texthash:sender_relay",
        // tag::table[]
        tables = @SaslInstance.Table(name = "sender_relay", lines = "user1@example.com [mail.example.com]:submission")
        // end::table[]
    ),
    @SaslInstance(name = "example-com", myhostname = "mail.example.com", mainCf = "default_transport = discard",
        masterCf = "submission inet n - n - - smtpd")
})
class SenderRelayTableExampleTest {

    @Test
    void user1sMailGoesThroughItsOwnRelayhost(@InstanceName("relay") RelayInstance relay) throws Exception {
        Mail.send(relay.host(), relay.port(), null, null, "user1@example.com", "bob@example.org", "per sender");
        assertThat(relay).deliveredMessage().wasSent().wentTo("[mail.example.com]:submission");
    }
}
