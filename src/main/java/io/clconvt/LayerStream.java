package io.clconvt;

/**
 * What the streams of one layer share: the input window kept on the backend, how far the input and the output
 * have come, and the life cycle (usable until {@link #finish()} or {@link #close()}). Each subclass decides
 * which outputs are final and computes them.
 */
abstract class LayerStream implements ChunkStream, BlockStream {
    /** Input positions pushed so far. */
    long pushed;
    /** Output positions returned so far. */
    long emitted;
    /** Input positions [windowStart, pushed) on the backend; null before the first push and after the end. */
    DeviceTensor window;
    long windowStart;
    boolean finished;
    private boolean closed;

    void requireUsable() {
        if (closed) {
            throw new IllegalStateException("the stream is closed");
        }
        if (finished) {
            throw new IllegalStateException("the stream is finished: push and finish are not allowed after finish()");
        }
    }

    void release() {
        if (window != null) {
            window.close();
            window = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        release();
    }

    /** A step's result on the host, or an empty tensor of {@code dtype} and {@code emptyShape} when it is null. */
    static Tensor download(DeviceTensor result, DType dtype, int[] emptyShape) {
        if (result == null) {
            return Tensor.empty(dtype, emptyShape);
        }
        try (result) {
            return result.download();
        }
    }
}
