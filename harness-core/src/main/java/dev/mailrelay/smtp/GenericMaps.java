package dev.mailrelay.smtp;

import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.global.AddressHeaders;
import dev.mailrelay.tables.AddressLookup;
import dev.mailrelay.tables.LookupTable;
import dev.mailrelay.tables.Tables;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code smtp_generic_maps}, Postfix's smtp_map11.c: one-to-one, non-recursive mapping of the
 * envelope addresses as they are sent ({@code smtp_map11_internal}) and of the addresses in the
 * sender and recipient headers ({@code smtp_map11_tree}), each address searched as mail_addr_find()
 * searches (see {@link AddressLookup}).
 */
final class GenericMaps {

    /** Postfix's header_sender and header_recipient classes. */
    private static final Set<String> HEADERS = Stream.concat(AddressHeaders.SENDER_HEADERS.stream(),
            AddressHeaders.RECIPIENT_HEADERS.stream()).collect(Collectors.toUnmodifiableSet());

    private final List<LookupTable> maps;
    private final String recipientDelimiter;
    private final Predicate<String> isLocalDomain;

    GenericMaps(Parameters params, Path baseDirectory, String recipientDelimiter, Predicate<String> isLocalDomain) {
        this.maps = params.parsed("smtp_generic_maps", v -> Tables.openList(v, baseDirectory));
        this.recipientDelimiter = recipientDelimiter;
        this.isLocalDomain = isLocalDomain;
    }

    /** One envelope address as sent (the null sender stays null). */
    String address(String address) {
        if (maps.isEmpty() || address.isEmpty()) {
            return address;
        }
        return AddressLookup.find(maps, address, recipientDelimiter, isLocalDomain).orElse(address);
    }

    /** The message with its sender and recipient headers mapped; the same content when none changes. */
    MessageContent headers(MessageContent content) {
        if (maps.isEmpty()) {
            return content;
        }
        return AddressHeaders.rewrite(content, HEADERS, this::address);
    }
}
