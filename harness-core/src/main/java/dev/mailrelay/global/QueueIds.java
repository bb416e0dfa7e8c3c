package dev.mailrelay.global;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Postfix's short queue IDs ({@code enable_long_queue_ids = no}): five hex digits of the
 * microsecond clock followed by the queue file's inode number in hex, upper case, e.g.
 * {@code 4BF7A3C0D31}. A harness has no inodes; a per-JVM counter takes their place, which also
 * keeps IDs unique across instances. Postfix makes them in src/global's mail_queue.c
 * ({@code mail_queue_enter}); smtpd (with the first accepted recipient) and the queue manager
 * (for a bounce) take them here.
 */
public final class QueueIds {

    private static final AtomicLong INODE = new AtomicLong(0x40000 + (System.nanoTime() & 0xFFFF));

    private QueueIds() {
    }

    /** A fresh queue ID. */
    public static String next() {
        long micros = (System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000) % 1_000_000;
        String clock = Long.toHexString(micros & 0xFFFFF).toUpperCase(java.util.Locale.ROOT);
        return "0".repeat(5 - clock.length()) + clock
                + Long.toHexString(INODE.incrementAndGet()).toUpperCase(java.util.Locale.ROOT);
    }
}
