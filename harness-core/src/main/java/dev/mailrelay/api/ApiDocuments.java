package dev.mailrelay.api;

import dev.mailrelay.capture.CapturedMessage;
import dev.mailrelay.capture.DeliveryAttempt;
import dev.mailrelay.capture.InjectedFault;
import dev.mailrelay.capture.Maillog;
import dev.mailrelay.capture.TlsInfo;
import dev.mailrelay.client.ApiModel;
import dev.mailrelay.faults.Fault;
import dev.mailrelay.faults.FaultSpec;
import dev.mailrelay.master.Instance;
import java.util.List;
import org.slf4j.Logger;

/**
 * The API's JSON documents ({@link ApiModel}, in the artifact {@code mailrelay-client}) made from what
 * the harness captured: the server writes them, the Maven plugin's {@code messages.json} too.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/api/ApiExamplesTest.java#api-documents -->
 * <pre>{@code
 * ApiModel.MessageInfo info = ApiDocuments.messageInfo(instance.capture().messages().get(0));
 * }</pre>
 */
public final class ApiDocuments {

    private static final Logger log = Maillog.logger("dev.mailrelay.api");

    private ApiDocuments() {
    }

    /** The summary of a captured message. */
    public static ApiModel.MessageInfo messageInfo(CapturedMessage m) {
        return new ApiModel.MessageInfo(m.queueId(), m.instance(), m.sender(), m.recipients(), subjectOf(m),
                m.saslMethod(), m.saslUsername(), m.tls() == null ? null : m.tls().protocol(), m.protocol(),
                m.arrivalTime(), m.size());
    }

    /** A captured message with everything but its bytes. */
    public static ApiModel.MessageDetails messageDetails(CapturedMessage m) {
        return new ApiModel.MessageDetails(m.queueId(), m.instance(), m.sender(), m.recipients(), subjectOf(m),
                m.clientName(), m.clientAddress(), m.helo(), m.protocol(), m.saslMethod(), m.saslUsername(),
                m.saslSender(), tls(m.tls()), m.receivedHeader(), m.arrivalTime(), m.size());
    }

    /** The view of a delivery attempt. */
    public static ApiModel.DeliveryInfo deliveryInfo(DeliveryAttempt d) {
        return new ApiModel.DeliveryInfo(d.queueId(), d.instance(), d.sender(), d.recipients(), d.transport(),
                d.nextHop(), d.relay(), d.saslMethod(), d.saslUsername(), tls(d.tls()),
                d.status() == null ? null : d.status().word(), d.dsn(), d.reply(), d.delay(), d.time());
    }

    /** A running instance with its bound listeners. */
    public static ApiModel.InstanceInfo instanceInfo(Instance i) {
        List<ApiModel.ListenerInfo> listeners = i.listeners().stream()
                .map(l -> new ApiModel.ListenerInfo(l.service(), l.host(), l.port())).toList();
        return new ApiModel.InstanceInfo(i.name(), i.parameters().get("myhostname"),
                i.parameters().list("mailrelay_hostnames"), listeners);
    }

    /** An installed fault with how often it struck. */
    public static ApiModel.FaultInfo faultInfo(Fault f) {
        FaultSpec s = f.spec();
        return new ApiModel.FaultInfo(f.id(), f.toString(), new ApiModel.FaultDefinition(s.stage(), s.command(),
                s.mechanism(), s.login(), s.from(), s.to(), s.reply(), s.disconnect(), s.delay(),
                s.handshakeFailure(), s.refuse(), s.certificate(), s.next(), s.probability(), s.seed()), f.injected(), f.active());
    }

    /** A posted fault as the harness installs it. */
    public static FaultSpec faultSpec(ApiModel.FaultDefinition d) {
        return new FaultSpec(d.stage(), d.command(), d.mechanism(), d.login(), d.from(), d.to(), d.reply(),
                d.disconnect(), d.delay(), d.handshakeFailure(), d.refuse(), d.certificate(), d.next(), d.probability(),
                d.seed());
    }

    /** A fault that struck a session. */
    public static ApiModel.InjectedFaultInfo injectedFaultInfo(InjectedFault f) {
        return new ApiModel.InjectedFaultInfo(f.session(), f.stage(), f.faultId(), f.fault(), f.at());
    }

    /** The TLS of a session or delivery attempt, {@code null} without TLS. */
    public static ApiModel.Tls tls(TlsInfo tls) {
        return tls == null ? null : new ApiModel.Tls(tls.protocol(), tls.cipher(), tls.clientCertificatePresented());
    }

    /**
     * The decoded Subject; a header Jakarta Mail cannot parse gives {@code null} in the document,
     * with a warning saying why (the message is still listed, its raw bytes still served).
     */
    private static String subjectOf(CapturedMessage m) {
        try {
            return m.subject();
        } catch (IllegalStateException e) {
            log.warn("api: {}: subject left out: {}", m.queueId(), e.getMessage(), e);
            return null;
        }
    }
}
