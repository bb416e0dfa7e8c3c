package dev.mailrelay.smtp;

import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Tables;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * {@code smtp_sasl_password_maps} searched in Postfix's order (smtp_sasl_glue.c): the sender, only with
 * {@code smtp_sender_dependent_authentication = yes} and before generic mapping; then the remote host
 * name; then the next-hop destination exactly as written, so {@code [mail.isp.example]:submission}
 * matches only that form. The value is {@code username:password}, split at the first colon.
 */
final class SaslPasswords {

    /** A login and its password; the password never reaches toString. */
    record Credentials(String username, char[] password) {
        @Override
        public String toString() {
            return "Credentials[" + username + ", password hidden]";
        }
    }

    private final List<LookupTable> maps;
    private final boolean senderDependent;
    private final String recipientDelimiter;
    private final Predicate<String> isLocalDomain;

    SaslPasswords(List<LookupTable> maps, boolean senderDependent, String recipientDelimiter,
                  Predicate<String> isLocalDomain) {
        this.maps = maps;
        this.senderDependent = senderDependent;
        this.recipientDelimiter = recipientDelimiter;
        this.isLocalDomain = isLocalDomain;
    }

    Optional<Credentials> lookup(String sender, String host, String destination) {
        Optional<String> value = Optional.empty();
        if (senderDependent && !sender.isEmpty()) {
            value = AddressLookup.find(maps, sender, recipientDelimiter, isLocalDomain);
        }
        if (value.isEmpty()) {
            value = Tables.find(maps, host.toLowerCase(Locale.ROOT));
        }
        if (value.isEmpty()) {
            value = Tables.find(maps, destination);
        }
        return value.map(v -> {
            int colon = v.indexOf(':');
            return colon < 0 ? new Credentials(v, new char[0])
                    : new Credentials(v.substring(0, colon), v.substring(colon + 1).toCharArray());
        });
    }
}
