package dev.mailrelay.xsasl;

/**
 * A SASL server implementation as {@code postconf -a} lists them ({@code cyrus}, {@code dovecot}):
 * one per smtpd service, creating a {@link SaslServer} per SMTP session.
 */
public interface SaslServerImpl {

    /** The {@code smtpd_sasl_type} name. */
    String type();

    /** A fresh server for one SMTP session. */
    SaslServer newServer(SaslServerRequest request);
}
