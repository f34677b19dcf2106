package io.clconvt.internal.opencl;

import io.clconvt.Tensor;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.Function;

/**
 * Device copies of weights and biases, keyed by the host tensor's identity and the packing the kernel
 * wants. Tensors are immutable, so a tensor seen again needs no upload (nor repacking): a layer called
 * in a loop uploads its weights once.
 *
 * <p>Bounded two ways. The keys are weak: once a host tensor is unreachable its device copies are
 * released, on the next access (the collector only queues the key; the release runs on the caller's
 * thread, since buffers are not thread-safe). And beyond a budget, {@link #MAX_BYTES} by default, the
 * least recently used copies are released, except those handed out since the last {@link #unpinAll()}:
 * a call's weight and bias stay valid until the call ends, even when together they exceed the budget.
 * Not thread-safe.
 */
public final class TensorCache implements AutoCloseable {
    public static final long MAX_BYTES = 512L << 20;

    /** Identity of the tensor, held weakly, and equality of the packing (e.g. "plain" or "tiled:16"). */
    private static final class Key extends WeakReference<Tensor> {
        private final String packing;
        private final int hash;

        Key(Tensor tensor, String packing, ReferenceQueue<Tensor> queue) {
            super(tensor, queue);
            this.packing = packing;
            this.hash = 31 * packing.hashCode() + System.identityHashCode(tensor);
        }

        @Override
        public boolean equals(Object other) {
            if (other == this) {
                return true;
            }
            // A cleared key equals only itself, so it can still be found and removed.
            Tensor tensor = get();
            return other instanceof Key k && k.hash == hash && tensor != null && k.get() == tensor
                    && k.packing.equals(packing);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final class Entry {
        final ClBuffer buffer;
        boolean pinned;

        Entry(ClBuffer buffer) {
            this.buffer = buffer;
        }
    }

    private final ReferenceQueue<Tensor> collected = new ReferenceQueue<>();
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final long maxBytes;
    private long bytes;

    public TensorCache() {
        this(MAX_BYTES);
    }

    /** A cache with another budget, for tests. */
    public TensorCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * The device copy of {@code tensor} in {@code packing}, made by {@code upload} on a miss; it stays
     * allocated at least until the next {@link #unpinAll()}.
     */
    public ClBuffer get(Tensor tensor, String packing, Function<Tensor, ClBuffer> upload) {
        releaseCollected();
        Entry entry = entries.get(new Key(tensor, packing, null));
        if (entry == null) {
            entry = new Entry(upload.apply(tensor));
            entries.put(new Key(tensor, packing, collected), entry);
            bytes += entry.buffer.bytes();
        }
        entry.pinned = true;
        evictBeyondBudget();
        return entry.buffer;
    }

    /** Ends a call: the copies it used may be evicted again. */
    public void unpinAll() {
        entries.values().forEach(entry -> entry.pinned = false);
    }

    /** How many device copies are held, for tests. */
    public int size() {
        releaseCollected();
        return entries.size();
    }

    /** Bytes of the device copies held, for tests. */
    public long bytes() {
        return bytes;
    }

    private void releaseCollected() {
        for (Reference<? extends Tensor> key = collected.poll(); key != null; key = collected.poll()) {
            Entry entry = entries.remove(key);
            if (entry != null) {
                release(entry);
            }
        }
    }

    private void evictBeyondBudget() {
        Iterator<Entry> oldest = entries.values().iterator();
        while (bytes > maxBytes && oldest.hasNext()) {
            Entry entry = oldest.next();
            if (!entry.pinned) {
                oldest.remove();
                release(entry);
            }
        }
    }

    private void release(Entry entry) {
        bytes -= entry.buffer.bytes();
        entry.buffer.close();
    }

    @Override
    public void close() {
        entries.values().forEach(entry -> entry.buffer.close());
        entries.clear();
        bytes = 0;
    }
}
