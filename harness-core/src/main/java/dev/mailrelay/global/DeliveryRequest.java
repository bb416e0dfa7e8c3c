package dev.mailrelay.global;

import dev.mailrelay.capture.CapturedMessage;
import java.util.List;

/**
 * What the queue manager hands a transport (Postfix's DELIVER_REQUEST, src/global's
 * deliver_request.c): the queued message, the recipients of this attempt and where they go.
 *
 * @param message    the queue file
 * @param recipients the recipients of this attempt
 * @param transport  the transport name, e.g. {@code smtp}
 * @param nextHop    the next-hop destination as resolved, e.g. {@code [mail.isp.example]:submission}
 *                   (for {@code error}, the reason text)
 */
public record DeliveryRequest(CapturedMessage message, List<String> recipients, String transport, String nextHop) {

    public DeliveryRequest {
        recipients = List.copyOf(recipients);
    }
}
