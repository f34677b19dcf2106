package io.clconvt;

import io.clconvt.internal.ConvShapes;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import java.util.Arrays;
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
abstract class LayerStream<P extends ConvShapes> implements ChunkStream, BlockStream {
    final StreamingBackend backend;
    /** Applied to every chunk as it joins the window: the activation a chain put before the layer. */
    private final Activation inputActivation;
    /** Input positions pushed so far. */
    long pushed;
    /** Output positions returned so far. */
    long emitted;
    /** Input positions [windowStart, pushed) on the backend; null before the first push and after the end. */
    DeviceTensor window;
    long windowStart;
    /** Channels, batch, rank and dtype, fixed by the first chunk; null before it. */
    P shapes;
    boolean finished;
    /**
     * What the layer's epilogue adds to its outputs, in order (a residual block's skip path), or null: each step
     * takes as many positions as it computes outputs.
     */
    SkipInput skip;
    /** The queue this stream appends each chunk it joins to, in the same kernel (see {@link #carry}); or null. */
    private PositionQueue rider;
    private boolean closed;

    LayerStream(StreamingBackend backend, Activation inputActivation) {
        this.backend = backend;
        this.inputActivation = inputActivation;
    }

    @Override
    public synchronized Tensor push(Tensor chunk) {
        Validation.requireNonNull("chunk", chunk);
        check(chunk.shape(), chunk.dtype()); // refused before the upload
        try (DeviceTensor input = backend.upload(chunk)) {
            return download(pushDevice(input));
        }
    }

    @Override
    public synchronized Tensor finish() {
        return download(finishDevice());
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

    /** {@link #requireUsable}, and at least one push: what finish needs. */
    void requireStarted() {
        requireUsable();
        if (pushed == 0) {
            throw new IllegalStateException("finish() before any push: the stream has no input");
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
     * {@link #pushDevice} of {@code chunk} giving the outputs from position {@code emitFrom} on: {@code emitted}
     * for the new outputs only, or earlier ones again for a consumer that takes the result as its whole next
     * window ({@link #pushWindowDevice}); never from before the first input the kept window holds.
     */
    abstract DeviceTensor pushDevice(DeviceTensor chunk, long emitFrom);

    @Override
    public synchronized DeviceTensor pushDevice(DeviceTensor chunk) {
        return pushDevice(chunk, emitted);
    }

    /** Where its join is a kernel anyway (the chunk is activated as it joins), the queue rides along in it. */
    @Override
    public boolean carry(PositionQueue queue) {
        if (inputActivation == Activation.NONE || rider != null) {
            return false;
        }
        rider = queue;
        return true;
    }

    /**
     * Whether this stream can take a producer's outputs as its whole next window: it computes outputs from a
     * window of its input that it keeps, and reads that window as it is (no activation to apply as it joins).
     */
    boolean takesWindows() {
        return inputActivation == Activation.NONE;
    }

    /**
     * The first input position this stream's next step reads when it gives its outputs from {@code emitFrom} on:
     * where a window handed to it must start.
     */
    long windowStartFor(long emitFrom) {
        return Math.min(firstInputFor(emitFrom), pushed);
    }

    /** The first input position that output {@code output} (or, for a transposed convolution, a later one) reads. */
    abstract long firstInputFor(long output);

    /**
     * A push whose input comes as the whole next window: positions [start, start + length) of this stream's
     * input, from {@link #windowStartFor windowStartFor(emitFrom)} on, the positions before {@code pushed}
     * computed again by the producer. Saves the join (two copies) for the few outputs the producer computes
     * again. The stream takes {@code window} (closed on failure, which leaves the stream as it was) and gives its
     * outputs from {@code emitFrom} on, as {@link #pushDevice}.
     */
    synchronized DeviceTensor pushWindowDevice(DeviceTensor window, long start, long emitFrom) {
        Validation.requireNonNull("window", window);
        DeviceTensor result;
        P windowShapes;
        long total;
        try {
            if (!takesWindows()) {
                throw new IllegalStateException("this stream joins its chunks itself");
            }
            windowShapes = check(window.shape(), window.dtype());
            total = start + windowShapes.inputLength();
            if (start != windowStartFor(emitFrom) || total <= pushed) {
                throw new IllegalStateException("a window of input positions [" + start + ", " + total
                        + ") does not continue this stream, which has " + pushed + " and reads from "
                        + windowStartFor(emitFrom));
            }
            result = compute(windowShapes, window, start, total, requireEmitFrom(emitFrom), finalOutputs(total));
        } catch (RuntimeException e) {
            window.close();
            throw e;
        }
        release();
        this.window = window;
        windowStart = start;
        pushed = total;
        shapes = windowShapes;
        return result;
    }

    /**
     * Checks a chunk of {@code shape} and {@code dtype} against the layer and the first chunk, changing
     * nothing: the problem of that chunk alone.
     */
    synchronized P check(int[] shape, DType dtype) {
        requireUsable();
        Validation.requireNonNull("chunk dtype", dtype);
        // The first chunk's dtype picks the parameters; another dtype is refused before converting them.
        P candidate = resolve(shape, dtype, shapes == null ? dtype : shapes.dtype());
        if (shapes != null && (candidate.batched() != shapes.batched() || candidate.batch() != shapes.batch())) {
            throw new IllegalArgumentException("chunk " + candidate.dtype() + " " + Arrays.toString(shape)
                    + " does not continue the stream's " + shapes.dtype() + " " + Arrays.toString(shapes.inputShape())
                    + " chunks: rank, batch, channels and dtype must stay the same");
        }
        return candidate;
    }

    /** The layer's problem on a chunk of {@code shape} and {@code dtype}, with its parameters in {@code parameters}. */
    abstract P resolve(int[] shape, DType dtype, DType parameters);

    /**
     * Outputs [from, end) from the inputs [inputStart, inputEnd) in {@code inputs}, from at most {@code emitted}
     * (earlier outputs again for a consumer that takes them as its window); null if none is new.
     */
    abstract DeviceTensor compute(P chunkShapes, DeviceTensor inputs, long inputStart, long inputEnd, long from,
            long end);

    /** How many outputs are final after {@code inputs} positions. */
    abstract long finalOutputs(long inputs);

    /**
     * The outputs a step gives from {@code emitFrom} on, checked: not after the new ones, and again only without a
     * skip path (whose positions each output takes once). A start the kept window no longer reaches is refused by
     * {@link #advance}.
     */
    long requireEmitFrom(long emitFrom) {
        if (emitFrom > emitted || (emitFrom < emitted && skip != null)) {
            throw new IllegalStateException("cannot give outputs from " + emitFrom + ": " + emitted + " given"
                    + (skip != null ? ", and a skip path adds to each output once" : ""));
        }
        return emitFrom;
    }

    /**
     * One push on the backend: joins the window from input position {@code first} with {@code chunk} (activated),
     * lets {@code step} compute the new outputs from that joined window (null for none), and keeps the joined
     * window for the next push; on failure the stream is left as it was.
     */
    DeviceTensor advance(Layout layout, DeviceTensor chunk, long first, long total, UnaryOperator<DeviceTensor> step) {
        if (window != null && first < windowStart) {
            throw new IllegalStateException("input position " + first + " is no longer kept (the window starts at "
                    + windowStart + ")");
        }
        int history = Validation.toIntExact("history", first - windowStart);
        DeviceTensor joined;
        if (rider == null) {
            joined = backend.joinLength(window, history, chunk, layout, inputActivation);
        } else {
            DeviceTensor queued = rider.head();
            DeviceTensor[] both = backend.joinLengthTwice(window, history, chunk, layout, inputActivation, queued,
                    rider.from(), rider.splitFor(BlockChunkStream.length(chunk, layout)));
            joined = both[0];
            rider.replace(both[1], both[2]);
        }
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

    /** A step's result on the host, or an empty tensor of the output's shape when it is null. */
    private Tensor download(DeviceTensor result) {
        if (result == null) {
            return Tensor.empty(shapes.dtype(), shapes.shape(shapes.outChannels(), 0));
        }
        try (result) {
            return result.download();
        }
    }
}
