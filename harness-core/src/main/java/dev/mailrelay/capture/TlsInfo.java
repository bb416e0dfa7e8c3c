package dev.mailrelay.capture;

/**
 * The TLS state of a session, as Postfix logs it and writes it into the Received header.
 *
 * @param protocol                  e.g. {@code TLSv1.3}
 * @param cipher                    e.g. {@code TLS_AES_256_GCM_SHA384}
 * @param clientCertificatePresented whether the client sent a certificate
 */
public record TlsInfo(String protocol, String cipher, boolean clientCertificatePresented) {
}
