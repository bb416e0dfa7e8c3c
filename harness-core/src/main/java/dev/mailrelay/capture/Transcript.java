package dev.mailrelay.capture;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * A session's transcript as smtpd builds it: append-only, with {@link #snapshot()} giving an
 * immutable view of what is there now in constant time. A session publishes its state after every
 * command; copying the whole transcript each time made a long reused connection quadratic (20,000
 * exchanges: 2 x 10^8 element copies). Slots below a snapshot's size are never written again, and a
 * grown array is a new array, so later appends never change an earlier snapshot.
 *
 * <pre>{@code
 * Transcript t = new Transcript();
 * t.add(exchange);
 * List<CapturedSession.Exchange> now = t.snapshot();   // unaffected by later adds
 * }</pre>
 */
public final class Transcript {

    private CapturedSession.Exchange[] items = new CapturedSession.Exchange[16];
    private int size;

    /** Appends one exchange (the owning session's thread only). */
    public void add(CapturedSession.Exchange e) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = e;
    }

    /** The exchanges so far, as an immutable list. */
    public List<CapturedSession.Exchange> snapshot() {
        return new Snapshot(items, size);
    }

    /** An immutable prefix of a transcript's array. */
    static final class Snapshot extends AbstractList<CapturedSession.Exchange> implements RandomAccess {
        private final CapturedSession.Exchange[] items;
        private final int size;

        Snapshot(CapturedSession.Exchange[] items, int size) {
            this.items = items;
            this.size = size;
        }

        @Override
        public CapturedSession.Exchange get(int index) {
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException("index " + index + ", size " + size);
            }
            return items[index];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
