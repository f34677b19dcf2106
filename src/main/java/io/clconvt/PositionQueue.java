package io.clconvt;

import io.clconvt.internal.StreamingBackend;

/**
 * Stream positions on the backend waiting to be taken in order: a residual block's skip path waiting for its
 * branch, a mean's branch outputs waiting for the other branches. Taking copies the taken positions (none when
 * they are the whole queue) and moves a read offset, leaving the rest where it is; the next append joins from that
 * offset on (two copies, or a share of a kernel where a branch's first join carries the queue: {@link #replace}).
 */
final class PositionQueue implements LayerStream.SkipInput, AutoCloseable {
    private final StreamingBackend backend;
    private final Layout layout;
    /** The queue is the positions of {@code held} from {@code offset} on; null when it is empty. */
    private DeviceTensor held;
    private int offset;

    PositionQueue(StreamingBackend backend, Layout layout) {
        this.backend = backend;
        this.layout = layout;
    }

    /** Appends {@code chunk}'s positions, which stays open. */
    void append(DeviceTensor chunk) {
        DeviceTensor joined = backend.joinLength(held, offset, chunk, layout);
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

    /** The tensor holding the queue's positions, from {@link #from()} on; null when the queue is empty. */
    DeviceTensor head() {
        return held;
    }

    /** Where the queue's positions begin in {@link #head()}. */
    int from() {
        return offset;
    }

    /**
     * Takes {@code joined}, the queue's positions followed by a new chunk (a join from {@link #head()} and
     * {@link #from()} that someone else made in a pass of their own), as the whole queue.
     */
    void replace(DeviceTensor joined) {
        close();
        held = joined;
    }

    int length() {
        return held == null ? 0 : BlockChunkStream.length(held, layout) - offset;
    }

    /** The first {@code length} queued positions, in a tensor the caller closes. */
    @Override
    public DeviceTensor take(int length) {
        int queued = length();
        if (length > queued) {
            throw new IllegalStateException("cannot take " + length + " positions from a queue of " + queued
                    + ": a residual branch must keep the length of its input");
        }
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

    @Override
    public void close() {
        if (held != null) {
            held.close();
            held = null;
        }
        offset = 0;
    }
}
