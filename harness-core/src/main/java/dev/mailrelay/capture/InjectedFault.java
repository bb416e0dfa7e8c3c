package dev.mailrelay.capture;

import java.time.Instant;

/**
 * A fault that struck one session of an instance ({@code dev.mailrelay.faults}), as the capture
 * records it; the session's transcript shows it too, as a line {@code <fault injected: ...>}.
 *
 * @param session  the {@link CapturedSession#id()} of the session it struck
 * @param stage    where: {@code CONNECT}, a command verb, {@code AUTH}, {@code MAIL}, {@code RCPT}, {@code END-OF-MESSAGE}
 * @param faultId  the fault's number within the instance
 * @param fault    the fault as logs name it, e.g. {@code #1 RCPT to=bob@.* reply "450 4.2.0 Mailbox busy"}
 * @param at       when it struck
 */
public record InjectedFault(long session, String stage, int faultId, String fault, Instant at) {
}
