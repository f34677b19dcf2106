package io.clconvt;

import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import java.util.function.UnaryOperator;

/**
 * What the streams of one layer share: the input window kept on the backend, how far the input and the output
 * have come, and the life cycle (usable until {@link #finish()} or {@link #close()}). Each subclass decides
 * which outputs are final and computes them.
 *
 * <p>The window is kept activated: a layer that reads {@code activation(x)} (the activation a chain put before
 * it) has each chunk activated as it joins the window, in the join's one pass, so its convolution reads the
 * window as it is and no position is activated twice.
 */
abstract class LayerStream implements ChunkStream, BlockStream {
    /** Applied to every chunk as it joins the window: the activation a chain put before the layer. */
    private final Activation inputActivation;
    /** Input positions pushed so far. */
    long pushed;
    /** Output positions returned so far. */
    long emitted;
    /** Input positions [windowStart, pushed) on the backend; null before the first push and after the end. */
    DeviceTensor window;
    long windowStart;
    boolean finished;
    /**
     * What the layer's epilogue adds to its outputs, in order (a residual block's skip path), or null: each step
     * takes as many positions as it computes outputs.
     */
    SkipInput skip;
    private boolean closed;

    LayerStream(Activation inputActivation) {
        this.inputActivation = inputActivation;
    }

    /** The positions a residual block's skip path adds to a stream's outputs, handed out in order. */
    interface SkipInput {
        /** The next {@code length} positions, a new device tensor the caller closes. */
        DeviceTensor take(int length);
    }

    /**
     * {@code call} on the skip path's next {@code outputs} positions, which it adds in its epilogue; on null
     * when the stream has no skip path.
     */
    DeviceTensor adding(int outputs, UnaryOperator<DeviceTensor> call) {
        if (skip == null) {
            return call.apply(null);
        }
        try (DeviceTensor added = skip.take(outputs)) {
            return call.apply(added);
        }
    }

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

    /**
     * One push on the backend: joins the window from input position {@code first} with {@code chunk} (activated),
     * lets
     * {@code step} compute the new outputs from that joined window (null for none), and keeps the joined window
     * for the next push; on failure the stream is left as it was.
     */
    DeviceTensor advance(StreamingBackend backend, Layout layout, DeviceTensor chunk, long first, long total,
            UnaryOperator<DeviceTensor> step) {
        DeviceTensor joined = backend.joinLength(window, Validation.toIntExact("history", first - windowStart), chunk,
                layout, inputActivation);
        DeviceTensor result;
        try {
            result = step.apply(joined);
        } catch (RuntimeException e) {
            joined.close();
            throw e;
        }
        release();
        window = joined;
        windowStart = first;
        pushed = total;
        return result;
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
