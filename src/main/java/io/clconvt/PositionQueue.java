package io.clconvt;

import io.clconvt.internal.StreamingBackend;

/**
 * Stream positions on the backend waiting to be taken in order: a residual block's skip path waiting for its
 * branch, a mean's branch outputs waiting for the other branches. Taking copies the taken positions (none when
 * they are the whole queue, or a front split off for this take) and moves a read offset, leaving the rest where it
 * is; the next append joins from that offset on (two copies, or a share of a kernel where a branch's first join
 * carries the queue: {@link #replace}).
 */
final class PositionQueue implements LayerStream.SkipInput, AutoCloseable {
    private final StreamingBackend backend;
    private final Layout layout;
    /**
     * The queue is {@code front}'s positions (null for none), then those of {@code held} from {@code offset} on
     * (null when there are none).
     */
    private DeviceTensor front;
    private DeviceTensor held;
    private int offset;
    /** The positions the last take left queued, or -1 before the first take. */
    private int leftByLastTake = -1;

    PositionQueue(StreamingBackend backend, Layout layout) {
        this.backend = backend;
        this.layout = layout;
    }

    /** Appends {@code chunk}'s positions, which stays open. */
    void append(DeviceTensor chunk) {
        DeviceTensor joined = backend.joinLength(head(), offset, chunk, layout);
        close();
        held = joined;
    }

    /** Appends {@code chunk}'s positions and closes it, or keeps it as the whole queue when the queue is empty. */
    void adopt(DeviceTensor chunk) {
        if (length() > 0) {
            try (chunk) {
                append(chunk);
            }
            return;
        }
        close();
        held = chunk;
    }

    /**
     * The tensor holding the queue's positions, from {@link #from()} on; null when the queue is empty. A front the
     * last take did not take is joined back first (two copies).
     */
    DeviceTensor head() {
        if (front != null) {
            DeviceTensor joined = backend.joinLength(front, 0, held, layout);
            held.close();
            front.close();
            front = null;
            held = joined;
            offset = 0;
        }
        return held;
    }

    /** Where the queue's positions begin in {@link #head()}. */
    int from() {
        return offset;
    }

    /**
     * Where a join that appends {@code chunkLength} positions should split the queue it makes (see
     * {@link #replace}): before the positions the last take left, which is how many every take leaves once a stream
     * runs (a residual branch's look-ahead), so that the next take is the front as it is. The whole length before
     * the first take, or where that would leave the front empty.
     */
    int splitFor(int chunkLength) {
        int total = length() + chunkLength;
        return leftByLastTake >= 0 && leftByLastTake < total ? total - leftByLastTake : total;
    }

    /**
     * Takes the queue's positions followed by a new chunk (a join from {@link #head()} and {@link #from()} that
     * someone else made in a pass of their own), as the whole queue: {@code joinedFront}'s positions, then those of
     * {@code joinedRest} (null for none).
     */
    void replace(DeviceTensor joinedFront, DeviceTensor joinedRest) {
        close();
        if (joinedRest == null) {
            held = joinedFront;
        } else {
            front = joinedFront;
            held = joinedRest;
        }
    }

    int length() {
        return (front == null ? 0 : BlockChunkStream.length(front, layout))
                + (held == null ? 0 : BlockChunkStream.length(held, layout) - offset);
    }

    /** The first {@code length} queued positions, in a tensor the caller closes. */
    @Override
    public DeviceTensor take(int length) {
        int queued = length();
        if (length > queued) {
            throw new IllegalStateException("cannot take " + length + " positions from a queue of " + queued
                    + ": a residual branch must keep the length of its input");
        }
        leftByLastTake = queued - length;
        if (front != null && length == BlockChunkStream.length(front, layout)) {
            DeviceTensor taken = front;
            front = null;
            return taken;
        }
        head();
        if (offset == 0 && length == queued) {
            DeviceTensor all = held;
            held = null;
            return all;
        }
        DeviceTensor first = backend.sliceLength(held, offset, length, layout);
        offset += length;
        if (length == queued) {
            close();
        }
        return first;
    }

    /**
     * Drops the first {@code length} queued positions, which someone read where {@link #head()} and
     * {@link #from()} said: no copy.
     */
    void drop(int length) {
        int queued = length();
        if (length > queued) {
            throw new IllegalStateException("cannot drop " + length + " positions from a queue of " + queued);
        }
        head();
        offset += length;
        if (length == queued) {
            close();
        }
    }

    @Override
    public void close() {
        if (front != null) {
            front.close();
            front = null;
        }
        if (held != null) {
            held.close();
            held = null;
        }
        offset = 0;
    }
}
