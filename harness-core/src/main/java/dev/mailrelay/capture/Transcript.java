package dev.mailrelay.capture;

import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * A session's transcript as smtpd builds it, bounded by {@code mailrelay_transcript_limit}: the
 * first exchanges (up to half the limit) and the latest ones (the rest) are kept, and one marker
 * exchange between them says how many were dropped, so that neither a long reused connection nor a
 * client looping a command can grow it without end. Each command or reply line counts its length
 * in UTF-8 plus {@value #LINE_COST} bytes, about what keeping a line costs on the heap, so the
 * limit bounds memory however short the lines are.
 *
 * <p>{@link #snapshot()} gives an immutable view of what is there now; until the limit is reached
 * it takes constant time (a session publishes its state after every command, and copying the whole
 * transcript each time made a long connection quadratic). Slots below a snapshot's size are never
 * written again and a grown array is a new array, so later appends never change a snapshot.
 *
 * <!-- snippet: harness-core/src/test/java/dev/mailrelay/capture/CaptureExamplesTest.java#transcript -->
 * <pre>{@code
 * Transcript t = new Transcript(16384);   // 0: no limit
 * t.add(exchange);
 * List<CapturedSession.Exchange> now = t.snapshot();   // unaffected by later adds
 * }</pre>
 */
public final class Transcript {

    /** What a line costs beyond its text (the String, its array, the list slot). */
    static final int LINE_COST = 32;
    private static final CapturedSession.Exchange[] NONE = new CapturedSession.Exchange[0];

    private final long limit;
    /** The first exchanges, up to half the limit. */
    private CapturedSession.Exchange[] items = new CapturedSession.Exchange[16];
    private int size;
    private long headBytes;
    private boolean headFull;
    /** The latest exchanges once the head is full, within what the head left of the limit. */
    private final ArrayDeque<CapturedSession.Exchange> tail = new ArrayDeque<>();
    private long tailBytes;
    private long droppedExchanges;
    private long droppedBytes;

    /** @param limit the most bytes kept (see the class comment), 0 for no limit */
    public Transcript(long limit) {
        this.limit = limit;
    }

    /** Appends one exchange (the owning session's thread only). */
    public void add(CapturedSession.Exchange e) {
        long cost = cost(e);
        if (!headFull && (limit == 0 || headBytes + cost <= limit / 2)) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = e;
            headBytes += cost;
            return;
        }
        headFull = true;
        tail.addLast(e);
        tailBytes += cost;
        while (tail.size() > 1 && tailBytes > limit - headBytes) {
            long c = cost(tail.removeFirst());
            tailBytes -= c;
            droppedExchanges++;
            droppedBytes += c;
        }
    }

    /** The exchanges so far, as an immutable list. */
    public List<CapturedSession.Exchange> snapshot() {
        if (tail.isEmpty()) {
            return new Snapshot(items, size, NONE);
        }
        CapturedSession.Exchange[] rest;
        if (droppedExchanges == 0) {
            rest = tail.toArray(NONE);
        } else {
            rest = new CapturedSession.Exchange[tail.size() + 1];
            rest[0] = new CapturedSession.Exchange("[mailrelay_transcript_limit = " + limit + ": "
                    + droppedExchanges + " exchange(s), " + droppedBytes + " bytes dropped here]", List.of());
            int i = 1;
            for (CapturedSession.Exchange e : tail) {
                rest[i++] = e;
            }
        }
        return new Snapshot(items, size, rest);
    }

    private static long cost(CapturedSession.Exchange e) {
        long c = e.command() == null ? 0 : utf8Length(e.command()) + LINE_COST;
        for (String line : e.reply()) {
            c += utf8Length(line) + LINE_COST;
        }
        return c;
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            n += ch < 0x80 ? 1 : ch < 0x800 ? 2 : Character.isSurrogate(ch) ? 2 : 3;
        }
        return n;
    }

    /** An immutable prefix of a transcript's array, followed by a copy of its tail. */
    static final class Snapshot extends AbstractList<CapturedSession.Exchange> implements RandomAccess {
        private final CapturedSession.Exchange[] items;
        private final int size;
        private final CapturedSession.Exchange[] rest;

        Snapshot(CapturedSession.Exchange[] items, int size, CapturedSession.Exchange[] rest) {
            this.items = items;
            this.size = size;
            this.rest = rest;
        }

        @Override
        public CapturedSession.Exchange get(int index) {
            if (index < 0 || index >= size + rest.length) {
                throw new IndexOutOfBoundsException("index " + index + ", size " + size());
            }
            return index < size ? items[index] : rest[index - size];
        }

        @Override
        public int size() {
            return size + rest.length;
        }
    }
}
