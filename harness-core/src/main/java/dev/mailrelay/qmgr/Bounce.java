package dev.mailrelay.qmgr;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.global.DeliveryResult.RecipientStatus;
import dev.mailrelay.global.QueueIds;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The non-delivery notification Postfix's bounce(8) sends to the sender: its standard template
 * ("Undelivered Mail Returned to Sender"), an RFC 3464 delivery-status part and the returned message,
 * from {@code MAILER-DAEMON} with the null envelope sender so that it can never bounce itself.
 */
final class Bounce {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private Bounce() {
    }

    /** The bounce for {@code failed} recipients of {@code original}, addressed to its sender. */
    static CapturedMessage of(CapturedMessage original, List<RecipientStatus> failed, String myhostname,
                              String instance) {
        String queueId = QueueIds.next();
        Instant now = Instant.now();
        String boundary = queueId + "." + now.getEpochSecond() + "/" + myhostname;
        String date = DATE.format(now.atZone(ZoneId.systemDefault()));
        StringBuilder b = new StringBuilder();
        b.append("From: MAILER-DAEMON@").append(myhostname).append(" (Mail Delivery System)\r\n");
        b.append("Subject: Undelivered Mail Returned to Sender\r\n");
        b.append("To: ").append(original.sender()).append("\r\n");
        b.append("Auto-Submitted: auto-replied\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: multipart/report; report-type=delivery-status;\r\n");
        b.append("\tboundary=\"").append(boundary).append("\"\r\n");
        b.append("Content-Transfer-Encoding: 8bit\r\n");
        b.append("Message-Id: <").append(queueId).append("@").append(myhostname).append(">\r\n");
        b.append("Date: ").append(date).append("\r\n\r\n");
        b.append("This is a MIME-encapsulated message.\r\n\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Description: Notification\r\n");
        b.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        b.append("This is the mail system at host ").append(myhostname).append(".\r\n\r\n");
        b.append("I'm sorry to have to inform you that your message could not\r\n");
        b.append("be delivered to one or more recipients. It's attached below.\r\n\r\n");
        b.append("For further assistance, please send mail to postmaster.\r\n\r\n");
        b.append("If you do so, please include this problem report. You can\r\n");
        b.append("delete your own text from the attached returned message.\r\n\r\n");
        b.append("                   The mail system\r\n\r\n");
        for (RecipientStatus f : failed) {
            b.append("<").append(f.recipient()).append(">: ").append(f.reason()).append("\r\n");
        }
        b.append("\r\n--").append(boundary).append("\r\n");
        b.append("Content-Description: Delivery report\r\n");
        b.append("Content-Type: message/delivery-status\r\n\r\n");
        b.append("Reporting-MTA: dns; ").append(myhostname).append("\r\n");
        b.append("X-Postfix-Queue-ID: ").append(original.queueId()).append("\r\n");
        b.append("X-Postfix-Sender: rfc822; ").append(original.sender()).append("\r\n");
        b.append("Arrival-Date: ").append(DATE.format(original.arrivalTime().atZone(ZoneId.systemDefault())))
                .append("\r\n");
        for (RecipientStatus f : failed) {
            b.append("\r\nFinal-Recipient: rfc822; ").append(f.recipient()).append("\r\n");
            b.append("Original-Recipient: rfc822;").append(f.recipient()).append("\r\n");
            b.append("Action: failed\r\n");
            b.append("Status: ").append(f.dsn()).append("\r\n");
            // bounce_notify_util.c: a remote server's reply is the diagnostic, with the server as the
            // Remote-MTA; a local verdict (connect, TLS, lookup) has only Postfix's own text.
            if (f.remoteMta() != null && f.remoteReply() != null) {
                b.append("Remote-MTA: dns; ").append(f.remoteMta()).append("\r\n");
                b.append("Diagnostic-Code: smtp; ").append(f.remoteReply()).append("\r\n");
            } else {
                b.append("Diagnostic-Code: X-Postfix; ").append(f.reason()).append("\r\n");
            }
        }
        b.append("\r\n--").append(boundary).append("\r\n");
        b.append("Content-Description: Undelivered Message\r\n");
        b.append("Content-Type: message/rfc822\r\n");
        b.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        // The returned message shares the original's content (its spool file), never a copy.
        MessageContent content = MessageContent.concat(MessageContent.of(head), original.messageContent(),
                MessageContent.of(tail));
        return new CapturedMessage(queueId, instance, "", List.of(original.sender()), "localhost", "127.0.0.1",
                null, "local", null, null, null, null, "", now, content);
    }
}
