package dev.mailrelay.xsasl;

/**
 * A SASL server implementation as {@code postconf -a} lists them ({@code cyrus}, {@code dovecot}):
 * one per smtpd service, creating a {@link SaslServer} per SMTP session. Closing it releases what it
 * holds (the Dovecot auth connection); smtpd closes it when the service stops.
 *
 * <pre>{@code
 * try (SaslServerImpl impl = SaslServerImpls.forSmtpd(params, instanceDirectory)) {
 *     SaslServer sasl = impl.newServer(request);
 * }
 * }</pre>
 */
public interface SaslServerImpl extends AutoCloseable {

    /** The {@code smtpd_sasl_type} name. */
    String type();

    /** A fresh server for one SMTP session. */
    SaslServer newServer(SaslServerRequest request);

    /** Releases connections to backends; nothing by default. */
    @Override
    default void close() {
    }
}
