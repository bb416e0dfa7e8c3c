package dev.mailrelay.faults;

import java.time.Duration;

/**
 * One fault as data: the form the HTTP API's JSON and the Maven plugin's {@code <fault>} element
 * take, and what {@link Faults}' fluent builders produce. {@link Faults#add(FaultSpec)} checks it and
 * installs it. Where: {@code stage} and its filters; what: exactly one of {@code reply},
 * {@code disconnect}, {@code delay}, {@code handshakeFailure}, {@code refuse}, {@code certificate}; when: always until cleared, or the
 * {@code next} N times it matches, each time with {@code probability} (drawn from {@code seed}).
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/faults/FaultsExamplesTest.java#fault-spec -->
 * <pre>{@code
 * // {"stage":"rcpt","to":".*@isp\\.example","reply":"450 4.2.0 Mailbox busy","next":2}
 * faults.add(new FaultSpec("rcpt", null, null, null, null, ".*@isp\\.example",
 *         "450 4.2.0 Mailbox busy", false, null, false, false, null, 2, null, null));
 * }</pre>
 *
 * @param stage            connect, command, auth, mail, rcpt or data (see {@link Stage}), any case
 * @param command          the command verb for the command stage (EHLO, STARTTLS, DATA, QUIT, ...)
 * @param mechanism        auth: only this SASL mechanism (any case)
 * @param login            auth: only logins matching this regular expression (whole, any case)
 * @param from             mail, rcpt, data: only senders matching this regular expression
 * @param to               rcpt, data: only when a recipient matches this regular expression
 * @param reply            the reply to send instead, {@code 4xx} or {@code 5xx} with its text
 * @param disconnect       close the connection instead of replying (at data: after queueing the message)
 * @param delay            wait this long, then go on as if no fault were there
 * @param handshakeFailure STARTTLS: answer {@code 220}, then close the connection instead of the handshake
 *                         (a wrapper-mode service: close right after connect)
 * @param refuse           connect: close the instance's listeners until the fault is removed, so that
 *                         connections are refused (not counted: they never reach smtpd)
 * @param certificate      STARTTLS: serve a certificate with this flaw, {@code wrong-name} or {@code expired}
 *                         (also at a wrapper-mode service's handshake right after connect)
 *                         (see {@link dev.mailrelay.tls.CertificateFlaw})
 * @param next             strike only the next N times the fault matches; {@code null}: until cleared
 * @param probability      strike each time with this probability (0 to 1); {@code null}: always
 * @param seed             the seed of the probability's random sequence, so that a run can be repeated
 */
public record FaultSpec(String stage, String command, String mechanism, String login, String from, String to,
                        String reply, boolean disconnect, Duration delay, boolean handshakeFailure, boolean refuse,
                        String certificate, Integer next, Double probability, Long seed) {
}
