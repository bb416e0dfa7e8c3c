package dev.mailrelay.qmgr;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.MessageContent;
import dev.mailrelay.global.DeliveryResult.RecipientStatus;
import dev.mailrelay.config.Parameters;
import dev.mailrelay.global.MailDate;
import dev.mailrelay.global.QueueIds;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The non-delivery notification Postfix's bounce(8) sends to the sender: its standard template
 * ("Undelivered Mail Returned to Sender"), an RFC 3464 delivery-status part and the returned message,
 * from {@code MAILER-DAEMON} with the null envelope sender so that it can never bounce itself. The
 * layout is Postfix 3.7's as it leaves the queue: post_mail.c's {@code Received:} and {@code Date:},
 * bounce_notify_util.c's headers and parts, cleanup's {@code Message-Id:}, recipient reasons and
 * DSN fields wrapped at 79 columns (line_wrap.c), as a private Postfix's bounce shows it
 * ({@code RelayFaultsFidelityTest}).
 */
final class Bounce {

    private static final DateTimeFormatter MESSAGE_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** bounce_notify_util.c's bounce_print_wrap(): LENGTH and INDENT. */
    private static final int WRAP_LENGTH = 79;
    private static final int WRAP_INDENT = 4;
    /** More than cleanup's header_size_limit (102400) lets through. */
    private static final int HEADER_BLOCK_MAX = 110_000;

    /**
     * The parameters the notification depends on.
     *
     * @param eightBit {@code smtputf8_enable}: bounce_mail_alloc() then writes the notification as 8bit
     *                 (the harness does not keep the original's BODY=, so without it the bounce is the
     *                 one for a message that declared none)
     */
    record Settings(String myhostname, String myorigin, String mailName, boolean standardFrom, boolean eightBit,
                    long sizeLimit) {

        static Settings of(Parameters params) {
            return new Settings(params.get("myhostname"), params.myorigin(), params.get("mail_name"),
                    !"obsolete".equalsIgnoreCase(params.get("header_from_format").strip()),
                    params.bool("smtputf8_enable"), params.longValue("bounce_size_limit"));
        }
    }

    private Bounce() {
    }

    /** The bounce for {@code failed} recipients of {@code original}, addressed to its sender. */
    static CapturedMessage of(CapturedMessage original, List<RecipientStatus> failed, Settings settings,
                              String instance) {
        String myhostname = settings.myhostname();
        String queueId = QueueIds.next();
        Instant now = Instant.now();
        // bounce_mail_alloc(): the boundary names the bounced message's queue ID.
        String boundary = original.queueId() + "." + now.getEpochSecond() + "/" + myhostname;
        String date = MailDate.format(now);
        String daemon = "MAILER-DAEMON@" + settings.myorigin();
        StringBuilder b = new StringBuilder();
        b.append("Received: by ").append(myhostname).append(" (").append(settings.mailName()).append(")\r\n");
        b.append("\tid ").append(queueId).append("; ").append(date).append("\r\n");
        b.append("Date: ").append(date).append("\r\n");
        // header_from_format (cleanup qualifies the template's MAILER-DAEMON with $myorigin).
        b.append("From: ").append(settings.standardFrom() ? "Mail Delivery System <" + daemon + ">"
                : daemon + " (Mail Delivery System)").append("\r\n");
        b.append("Subject: Undelivered Mail Returned to Sender\r\n");
        b.append("To: ").append(original.sender()).append("\r\n");
        b.append("Auto-Submitted: auto-replied\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: multipart/report; report-type=delivery-status;\r\n");
        b.append("\tboundary=\"").append(boundary).append("\"\r\n");
        if (settings.eightBit()) {
            b.append("Content-Transfer-Encoding: 8bit\r\n");
        }
        b.append("Message-Id: <").append(MESSAGE_ID_TIME.format(now)).append('.').append(queueId).append("@")
                .append(myhostname).append(">\r\n\r\n");
        b.append("This is a MIME-encapsulated message.\r\n\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Description: Notification\r\n");
        if (settings.eightBit()) {
            b.append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        } else {
            b.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        }
        b.append("This is the mail system at host ").append(myhostname).append(".\r\n\r\n");
        b.append("I'm sorry to have to inform you that your message could not\r\n");
        b.append("be delivered to one or more recipients. It's attached below.\r\n\r\n");
        b.append("For further assistance, please send mail to postmaster.\r\n\r\n");
        b.append("If you do so, please include this problem report. You can\r\n");
        b.append("delete your own text from the attached returned message.\r\n\r\n");
        b.append("                   The mail system\r\n");
        for (RecipientStatus f : failed) {
            b.append("\r\n");
            wrap(b, "<" + f.recipient() + ">: " + f.reason());
        }
        b.append("\r\n--").append(boundary).append("\r\n");
        b.append("Content-Description: Delivery report\r\n");
        b.append("Content-Type: message/delivery-status\r\n\r\n");
        b.append("Reporting-MTA: dns; ").append(myhostname).append("\r\n");
        b.append("X-Postfix-Queue-ID: ").append(original.queueId()).append("\r\n");
        b.append("X-Postfix-Sender: rfc822; ").append(original.sender()).append("\r\n");
        b.append("Arrival-Date: ").append(MailDate.format(original.arrivalTime())).append("\r\n");
        for (RecipientStatus f : failed) {
            b.append("\r\nFinal-Recipient: rfc822; ").append(f.recipient()).append("\r\n");
            b.append("Original-Recipient: rfc822;").append(f.recipient()).append("\r\n");
            b.append("Action: failed\r\n");
            b.append("Status: ").append(f.dsn()).append("\r\n");
            // bounce_notify_util.c: a remote server's reply is the diagnostic, with the server as the
            // Remote-MTA; a local verdict (connect, TLS, lookup) has only Postfix's own text.
            if (f.remoteMta() != null && f.remoteReply() != null) {
                wrap(b, "Remote-MTA: dns; " + f.remoteMta());
                wrap(b, "Diagnostic-Code: smtp; " + f.remoteReply());
            } else {
                wrap(b, "Diagnostic-Code: X-Postfix; " + f.reason());
            }
        }
        // bounce_original(): beyond bounce_size_limit only the headers go back, not to damage the MIME structure.
        boolean headersOnly = settings.sizeLimit() > 0 && original.size() > settings.sizeLimit();
        b.append("\r\n--").append(boundary).append("\r\n");
        b.append(headersOnly ? "Content-Description: Undelivered Message Headers\r\n"
                + "Content-Type: text/rfc822-headers\r\n"
                : "Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n");
        if (settings.eightBit()) {
            b.append("Content-Transfer-Encoding: 8bit\r\n");
        }
        b.append("\r\n");
        // bounce_original() prepends the envelope sender (cleanup removed any Return-Path: on arrival).
        b.append("Return-Path: <").append(original.sender()).append(">\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        // The returned message shares the original's content (its spool file), never a copy.
        MessageContent returned = headersOnly ? headers(original.messageContent()) : original.messageContent();
        MessageContent content = MessageContent.concat(MessageContent.of(head), returned, MessageContent.of(tail));
        return new CapturedMessage(queueId, instance, "", List.of(original.sender()), "localhost", "127.0.0.1",
                null, "local", null, null, null, null, "", now, content);
    }

    /** The header block, up to and with the CRLF that ends its last line (cleanup bounds it by header_size_limit). */
    private static MessageContent headers(MessageContent message) {
        byte[] head = message.head(HEADER_BLOCK_MAX);
        for (int i = 0; i + 3 < head.length; i++) {
            if (head[i] == '\r' && head[i + 1] == '\n' && head[i + 2] == '\r' && head[i + 3] == '\n') {
                return message.slice(0, i + 2);
            }
        }
        return MessageContent.of(head);
    }

    /**
     * Postfix's line_wrap(text, 79, 4): lines break at blanks before the column limit, continuation
     * lines are indented by four blanks (and four columns shorter), trailing blanks are dropped; a
     * word longer than a line stays whole.
     */
    static void wrap(StringBuilder out, String text) {
        int indent = 0;
        int limit = WRAP_LENGTH;
        int start = 0;
        int word = 0;
        while (word >= 0) {
            int space = blank(text, word);
            if (word > start && space - start > limit) {
                line(out, text, start, word, indent);
                while (word < text.length() && isBlank(text.charAt(word))) {
                    word++;
                }
                if (start == 0) {
                    indent += WRAP_INDENT;
                    limit -= WRAP_INDENT;
                }
                start = word;
            }
            word = space < text.length() ? space + 1 : -1;
        }
        line(out, text, start, text.length(), indent);
    }

    private static int blank(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            if (isBlank(text.charAt(i))) {
                return i;
            }
        }
        return text.length();
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static void line(StringBuilder out, String text, int from, int to, int indent) {
        while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
            to--;
        }
        out.append(" ".repeat(indent)).append(text, from, to).append("\r\n");
    }
}
