package dev.mailrelay.smtpd;

import dev.mailrelay.global.MailDate;
import dev.mailrelay.tls.TlsDetails;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Instant;

/**
 * The {@code Received:} header smtpd writes as the first line of every message, exactly in
 * Postfix's layout (smtpd.c): the {@code from} clause, the TLS and authenticated-sender comments,
 * {@code by ... with ... id ...}, and {@code for <rcpt>} only when there is one recipient.
 */
final class ReceivedHeader {

    private ReceivedHeader() {
    }

    /**
     * @param tls                 the TLS session when smtpd_tls_received_header is on, else {@code null}
     * @param clientTrusted       whether the client certificate (if any) is trusted
     * @param authenticatedSender the login for {@code (Authenticated sender: ...)}, or {@code null}
     * @param singleRecipient     the recipient when there is exactly one, else {@code null}
     * @return the header with CRLF line endings, ready to prepend
     */
    static String format(SmtpdSettings s, String helo, String clientName, InetAddress client, TlsDetails tls,
                         boolean clientTrusted, String authenticatedSender, String protocol, String queueId, String singleRecipient,
                         Instant arrival) {
        String rfcAddress = client instanceof Inet6Address ? "IPv6:" + client.getHostAddress() : client.getHostAddress();
        StringBuilder h = new StringBuilder();
        h.append("Received: from ").append(helo != null ? helo : clientName)
                .append(" (").append(clientName).append(" [").append(rfcAddress).append("])\r\n");
        if (tls != null) {
            appendTls(h, tls, clientTrusted, s.tls.askClientCertificate());
        }
        if (authenticatedSender != null) {
            h.append("\t(Authenticated sender: ").append(authenticatedSender).append(")\r\n");
        }
        String date = MailDate.format(arrival);
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

    /**
     * The TLS comment as smtpd.c writes it: the cipher line, then (on a continuation line starting
     * with a space) the key-exchange and signature details, then the client certificate comment. The
     * details are those {@link TlsDetails} can tell (no key-exchange group: the JDK does not expose it).
     */
    private static void appendTls(StringBuilder h, TlsDetails tls, boolean clientTrusted, boolean askCcert) {
        h.append("\t(using ").append(tls.cipherText());
        if (tls.serverSignature() != null) {
            h.append("\r\n\t server-signature ").append(tls.serverSignature());
            if (tls.serverDigest() != null) {
                h.append(" server-digest ").append(tls.serverDigest());
            }
        }
        h.append(")\r\n");
        if (tls.peerCertificatePresented()) {
            h.append("\t(Client CN \"").append(commentSafe(tls.peerCn())).append("\", Issuer \"")
                    .append(commentSafe(tls.issuerCn())).append("\" (")
                    .append(clientTrusted ? "verified OK" : "not verified").append("))\r\n");
        } else if (askCcert) {
            h.append("\t(Client did not present a certificate)\r\n");
        } else {
            h.append("\t(No client certificate requested)\r\n");
        }
    }

    /** Postfix's comment_sanitize(), simplified: no parentheses or control characters in a comment. */
    private static String commentSafe(String s) {
        return s.replaceAll("[()\\p{Cntrl}\\\\]", "?");
    }
}
