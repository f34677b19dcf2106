package io.clconvt.internal.opencl;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device buffers kept for reuse between calls: a decoder calls the same layer shapes over and over,
 * and creating buffers costs more than a small kernel on some drivers. Buffers are keyed by exact
 * size; at most {@link #MAX_BYTES} are kept idle, the rest released. Not thread-safe.
 */
public final class BufferPool implements AutoCloseable {
    public static final long MAX_BYTES = 256L << 20;

    private final ClContext context;
    private final Map<Long, Deque<ClBuffer>> idle = new HashMap<>();
    private long idleBytes;

    public BufferPool(ClContext context) {
        this.context = context;
    }

    /** A buffer of exactly {@code bytes}, reused when one is idle. */
    public ClBuffer acquire(long bytes) {
        Deque<ClBuffer> free = idle.get(bytes);
        if (free != null && !free.isEmpty()) {
            idleBytes -= bytes;
            return free.pop();
        }
        return ClBuffer.allocate(context, bytes);
    }

    /** Returns {@code buffer} for reuse, or releases it when the pool is full. */
    public void release(ClBuffer buffer) {
        if (buffer == null) {
            return;
        }
        if (idleBytes + buffer.bytes() > MAX_BYTES) {
            buffer.close();
            return;
        }
        idle.computeIfAbsent(buffer.bytes(), size -> new ArrayDeque<>()).push(buffer);
        idleBytes += buffer.bytes();
    }

    @Override
    public void close() {
        idle.values().forEach(free -> free.forEach(ClBuffer::close));
        idle.clear();
        idleBytes = 0;
    }
}
