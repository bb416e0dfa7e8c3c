package dev.mailrelay.smtpd;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The part of Postfix's anvil(8) that smtpd consults, for one smtpd service: how many connections
 * each client address has open ({@code smtpd_client_connection_count_limit}) and how many AUTH
 * commands it sent within {@code anvil_rate_time_unit} ({@code smtpd_client_auth_rate_limit}).
 * Counts are kept per client address, as anvil keys them by service and address.
 */
final class Anvil {

    private final long rateUnitNanos;
    private final Map<String, Integer> connections = new HashMap<>();
    private final Map<String, Deque<Long>> authEvents = new HashMap<>();

    Anvil(Duration rateTimeUnit) {
        this.rateUnitNanos = Math.max(1, rateTimeUnit.toNanos());
    }

    /** A client connected; returns how many connections it now has open, this one included. */
    synchronized int connect(String address) {
        return connections.merge(address, 1, Integer::sum);
    }

    /** A client disconnected. */
    synchronized void disconnect(String address) {
        connections.computeIfPresent(address, (k, v) -> v <= 1 ? null : v - 1);
    }

    /** A client sent AUTH; returns how many it sent within the last rate time unit, this one included. */
    synchronized int auth(String address) {
        long now = System.nanoTime();
        Deque<Long> events = authEvents.computeIfAbsent(address, k -> new ArrayDeque<>());
        while (!events.isEmpty() && now - events.peekFirst() >= rateUnitNanos) {
            events.pollFirst();
        }
        events.addLast(now);
        // Bounded: a client that keeps sending AUTH keeps at most one unit's worth of events, and
        // addresses without recent events are dropped when another client's events are counted.
        if (authEvents.size() > 4096) {
            authEvents.values().removeIf(d -> d.isEmpty() || now - d.peekLast() >= rateUnitNanos);
        }
        return events.size();
    }

    /** Open connections of an address (for tests and logging). */
    synchronized int connectionCount(String address) {
        return connections.getOrDefault(address, 0);
    }
}
