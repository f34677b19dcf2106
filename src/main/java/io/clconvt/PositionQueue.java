package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * Stream positions on the backend waiting to be taken in order: a residual block's skip path waiting for its
 * branch, a mean's branch outputs waiting for the other branches. The queue is a few tensors, the first read from
 * an offset, so that positions move in and out with as few copies as the readers allow:
 * <ul>
 * <li>an adopted chunk (a branch's new outputs) becomes one more tensor, and a mean reads the first two where they
 * are ({@link #positions}) and moves the offset on ({@link #drop});
 * <li>a residual branch's first join writes the queue again with the chunk it joins, split where the branch's last
 * layer will take ({@link #replace}, {@link #splitFor}), and that take is the first tensor as it is;
 * <li>any other take copies the positions it takes (one copy, two where the queue is in several tensors), and an
 * append that keeps the caller's chunk joins it (two copies).
 * </ul>
 */
final class PositionQueue implements LayerStream.SkipInput, AutoCloseable {
    private final StreamingBackend backend;
    private final Layout layout;
    /** The queue: the positions of the first tensor from {@code offset} on, then all of the others'. */
    private final List<DeviceTensor> held = new ArrayList<>();
    private int offset;
    /** The positions the last take left queued, or -1 before the first take. */
    private int leftByLastTake = -1;

    PositionQueue(StreamingBackend backend, Layout layout) {
        this.backend = backend;
        this.layout = layout;
    }

    /** Appends {@code chunk}'s positions, which stays open (two copies). */
    void append(DeviceTensor chunk) {
        DeviceTensor joined = backend.joinLength(head(), offset, chunk, layout);
        close();
        held.add(joined);
    }

    /**
     * Appends {@code chunk}'s positions and closes it in time: it becomes the queue's last tensor, with no copy,
     * unless the queue is in two already (then those two are joined first).
     */
    void adopt(DeviceTensor chunk) {
        if (length() == 0) {
            close();
        } else if (held.size() > 1) {
            head();
        }
        held.add(chunk);
    }

    /**
     * The tensor holding the queue's positions, from {@link #from()} on; null when the queue is empty. Where the
     * queue is in several tensors they are joined first.
     */
    DeviceTensor head() {
        while (held.size() > 1) {
            DeviceTensor joined = backend.joinLength(held.get(0), offset, held.get(1), layout);
            held.remove(0).close();
            held.remove(0).close();
            held.add(0, joined);
            offset = 0;
        }
        return held.isEmpty() ? null : held.get(0);
    }

    /** Where the queue's positions begin in {@link #head()}. */
    int from() {
        return offset;
    }

    /**
     * The queue's positions where they are, for a reader that reads two tensors (see {@link #drop}): at most two
     * tensors (more are joined first), or null when the queue is empty.
     */
    StreamingBackend.QueuedPositions positions() {
        if (held.size() > 2) {
            head();
        }
        return held.isEmpty() ? null
                : new StreamingBackend.QueuedPositions(held.get(0), offset, held.size() > 1 ? held.get(1) : null);
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
        held.add(joinedFront);
        if (joinedRest != null) {
            held.add(joinedRest);
        }
    }

    int length() {
        int length = -offset;
        for (DeviceTensor tensor : held) {
            length += BlockChunkStream.length(tensor, layout);
        }
        return length;
    }

    /** The first {@code length} queued positions, in a tensor the caller closes. */
    @Override
    public DeviceTensor take(int length) {
        if (length < 1) {
            throw new IllegalStateException("a take needs at least one position, got " + length);
        }
        int queued = requireQueued(length, "take");
        leftByLastTake = queued - length;
        if (offset == 0 && length == BlockChunkStream.length(held.get(0), layout)) {
            return held.remove(0);
        }
        DeviceTensor first = backend.sliceLength(head(), offset, length, layout);
        drop(length);
        return first;
    }

    /**
     * Drops the first {@code length} queued positions, which someone read where {@link #positions()} said: no
     * copy; a tensor whose positions are all gone is closed.
     */
    void drop(int length) {
        requireQueued(length, "drop");
        int left = length;
        while (left > 0) {
            int inFirst = BlockChunkStream.length(held.get(0), layout) - offset;
            if (left < inFirst) {
                offset += left;
                return;
            }
            held.remove(0).close();
            offset = 0;
            left -= inFirst;
        }
    }

    /** The positions queued, refusing to {@code what} more than that (a branch that lost positions). */
    private int requireQueued(int length, String what) {
        int queued = length();
        if (length > queued) {
            throw new IllegalStateException("cannot " + what + " " + length + " positions from a queue of " + queued
                    + ": a residual branch must keep the length of its input, and a mean's branches must give the"
                    + " same positions");
        }
        return queued;
    }

    @Override
    public void close() {
        held.forEach(DeviceTensor::close);
        held.clear();
        offset = 0;
    }
}
