package dev.mailrelay.smtpd;

import dev.mailrelay.capture.TlsInfo;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Received:} header smtpd writes as the first line of every message, exactly in
 * Postfix's layout (smtpd.c): the {@code from} clause, the TLS and authenticated-sender comments,
 * {@code by ... with ... id ...}, and {@code for <rcpt>} only when there is one recipient.
 */
final class ReceivedHeader {

    private static final DateTimeFormatter MAIL_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private ReceivedHeader() {
    }

    /**
     * @param authenticatedSender the login for {@code (Authenticated sender: ...)}, or {@code null}
     * @param singleRecipient     the recipient when there is exactly one, else {@code null}
     * @return the header with CRLF line endings, ready to prepend
     */
    static String format(SmtpdSettings s, String helo, String clientName, InetAddress client, TlsInfo tls,
                         String authenticatedSender, String protocol, String queueId, String singleRecipient,
                         Instant arrival) {
        String rfcAddress = client instanceof Inet6Address ? "IPv6:" + client.getHostAddress() : client.getHostAddress();
        StringBuilder h = new StringBuilder();
        h.append("Received: from ").append(helo != null ? helo : clientName)
                .append(" (").append(clientName).append(" [").append(rfcAddress).append("])\r\n");
        if (tls != null) {
            h.append("\t(using ").append(tls.protocol()).append(" with cipher ").append(tls.cipher()).append(")\r\n");
        }
        if (authenticatedSender != null) {
            h.append("\t(Authenticated sender: ").append(authenticatedSender).append(")\r\n");
        }
        String date = mailDate(arrival);
        if (singleRecipient != null) {
            h.append("\tby ").append(s.myhostname).append(" (").append(s.mailName).append(") with ").append(protocol)
                    .append(" id ").append(queueId).append("\r\n");
            h.append("\tfor <").append(singleRecipient).append(">; ").append(date).append("\r\n");
        } else {
            h.append("\tby ").append(s.myhostname).append(" (").append(s.mailName).append(") with ").append(protocol)
                    .append(" id ").append(queueId).append(";\r\n");
            h.append("\t").append(date).append("\r\n");
        }
        return h.toString();
    }

    /** Postfix's mail_date(): {@code Mon, 23 Nov 2026 15:04:00 +0000 (UTC)}. */
    static String mailDate(Instant when) {
        ZonedDateTime t = when.atZone(ZoneId.systemDefault());
        String zone = t.getZone().getDisplayName(java.time.format.TextStyle.SHORT, Locale.ROOT);
        return MAIL_DATE.format(t) + " (" + zone + ")";
    }
}
