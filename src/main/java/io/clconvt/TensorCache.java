package io.clconvt;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Device copies of weights and biases, keyed by the host tensor's identity and the packing the kernel
 * wants. Tensors are immutable, so a tensor seen again needs no upload (nor repacking): a layer called
 * in a loop uploads its weights once. Least recently used copies are released beyond
 * {@link #MAX_BYTES}. Not thread-safe.
 */
final class TensorCache implements AutoCloseable {
    static final long MAX_BYTES = 512L << 20;

    /** Identity of the tensor, equality of the packing (e.g. "plain" or "tiled:16"). */
    private record Key(Tensor tensor, String packing) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && k.tensor == tensor && k.packing.equals(packing);
        }

        @Override
        public int hashCode() {
            return 31 * packing.hashCode() + System.identityHashCode(tensor);
        }
    }

    private final LinkedHashMap<Key, ClBuffer> buffers = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** The device copy of {@code tensor} in {@code packing}, made by {@code upload} on a miss. */
    ClBuffer get(Tensor tensor, String packing, Function<Tensor, ClBuffer> upload) {
        Key key = new Key(tensor, packing);
        ClBuffer buffer = buffers.get(key);
        if (buffer != null) {
            return buffer;
        }
        buffer = upload.apply(tensor);
        buffers.put(key, buffer);
        bytes += buffer.bytes();
        Iterator<Map.Entry<Key, ClBuffer>> oldest = buffers.entrySet().iterator();
        while (bytes > MAX_BYTES && buffers.size() > 1) {
            ClBuffer evicted = oldest.next().getValue();
            oldest.remove();
            bytes -= evicted.bytes();
            evicted.close();
        }
        return buffer;
    }

    @Override
    public void close() {
        buffers.values().forEach(ClBuffer::close);
        buffers.clear();
        bytes = 0;
    }
}
