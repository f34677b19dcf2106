package io.clconvt;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import java.util.Arrays;

/**
 * The {@link ChunkStream} of one {@link ConvTranspose1d} layer.
 *
 * <p>After n input positions, position t of the full (unpadded) transposed convolution is final once no
 * later input reaches it: input i reaches t in [i * stride, i * stride + ek) with ek = dilation * (K - 1)
 * + 1, so t < n * stride is final. Output o is t - padLeft, and it exists for sure only once even the
 * shortest possible whole input (the one ending now) has it; so a push makes final the outputs below
 * {@code min(n * stride - padLeft, Lout(n))}, Lout(n) the output length of an input of n positions, and
 * finish adds the rest up to Lout of the whole input. padLeft never depends on the length (see
 * {@link ConvTranspose1dParams#streamPadLeft}), which is what lets explicit padding, SAME and VALID stream;
 * outputSize, which picks padding from the whole length, cannot.
 *
 * <p>A step computes outputs [e0, e1) with the library's own kernels, as a window of the transposed
 * convolution of the inputs from {@code first = min(ceil((e0 + padLeft - ek + 1) / stride),
 * floor((e0 + padLeft) / stride))} on: earlier inputs cannot reach e0, and starting no later than
 * floor(t0 / stride) keeps the window's padLeft non-negative. Those inputs are the history: this stream
 * keeps the last step's input window (history plus chunk) on the backend and joins the part from the next
 * step's first position with the next chunk, on the device.
 */
final class ConvTranspose1dStream extends LayerStream {
    private final StreamingBackend backend;
    private final ConvTranspose1d layer;
    private final ConvTranspose1dParams params;
    private final int kernelSize;
    private final int padLeft;
    private final long effectiveKernel;

    /** Channels, batch, rank and dtype, fixed by the first chunk; null before it. */
    private ConvProblem shapes;

    ConvTranspose1dStream(Backend backend, ConvTranspose1d layer, ConvTranspose1dParams params) {
        this(backend, layer, params, Activation.NONE);
    }

    ConvTranspose1dStream(Backend backend, ConvTranspose1d layer, ConvTranspose1dParams params,
            Activation inputActivation) {
        super(inputActivation);
        Validation.requireNonNull("backend", backend);
        if (params.outputSize().isPresent()) {
            throw new IllegalArgumentException("outputSize (" + params.outputSize().getAsInt() + ") depends on the"
                    + " whole input length and cannot stream; use outputPadding, or compute the whole input at once");
        }
        this.backend = ConvTranspose1d.engine(backend);
        this.layer = layer;
        this.params = params;
        this.kernelSize = layer.weight().dim(2);
        this.padLeft = params.streamPadLeft(kernelSize);
        this.effectiveKernel = (long) params.dilation() * (kernelSize - 1) + 1;
    }

    /** The layout of the layer's input and output. */
    Layout layout() {
        return params.layout();
    }

    @Override
    public synchronized Tensor push(Tensor chunk) {
        Validation.requireNonNull("chunk", chunk);
        ConvProblem chunkShapes = check(chunk.shape(), chunk.dtype());
        try (DeviceTensor input = backend.upload(chunk)) {
            return download(chunkShapes, pushDevice(input));
        }
    }

    @Override
    public synchronized Tensor finish() {
        return download(shapes, finishDevice());
    }

    /** The step's result on the host, or an empty tensor of the output's shape when it is null. */
    private static Tensor download(ConvProblem shapes, DeviceTensor result) {
        return download(result, shapes.dtype(), shapes.shape(shapes.outChannels(), 0));
    }

    /**
     * Checks a chunk of {@code shape} and {@code dtype} against the layer and the first chunk, changing
     * nothing: the problem of that chunk alone, window still open.
     */
    synchronized ConvProblem check(int[] shape, DType dtype) {
        requireUsable();
        Validation.requireNonNull("chunk dtype", dtype);
        // The first chunk's dtype picks the parameters; another dtype is refused before converting them.
        DType parameters = shapes == null ? dtype : shapes.dtype();
        ConvProblem candidate = ConvProblem.resolveShapes(shape, dtype, layer.weightFor(parameters),
                layer.biasFor(parameters), params);
        if (shapes != null && (candidate.batched() != shapes.batched() || candidate.batch() != shapes.batch())) {
            throw new IllegalArgumentException("chunk " + candidate.dtype() + " " + Arrays.toString(shape)
                    + " does not continue the stream's " + shapes.dtype() + " " + Arrays.toString(shapes.inputShape())
                    + " chunks: rank, batch, channels and dtype must stay the same");
        }
        return candidate;
    }

    /**
     * {@link #push} for a chunk already on the backend, which stays open: its outputs from emitFrom on, or null
     * when none is new.
     */
    @Override
    synchronized DeviceTensor pushDevice(DeviceTensor chunk, long emitFrom) {
        ConvProblem chunkShapes = check(chunk.shape(), chunk.dtype());
        long from = requireEmitFrom(emitFrom);
        long total = pushed + chunkShapes.inputLength();
        long first = Math.min(firstInputFor(from), pushed);
        DeviceTensor result = advance(backend, params.layout(), chunk, first, total,
                joined -> compute(chunkShapes, joined, first, total, from, finalOutputs(total)));
        shapes = chunkShapes;
        return result;
    }

    @Override
    synchronized DeviceTensor pushWindowDevice(DeviceTensor window, long start, long emitFrom) {
        Validation.requireNonNull("window", window);
        ConvProblem windowShapes;
        long from;
        try {
            if (!takesWindows()) {
                throw new IllegalStateException("this stream joins its chunks itself");
            }
            windowShapes = check(window.shape(), window.dtype());
            from = requireEmitFrom(emitFrom);
        } catch (RuntimeException e) {
            window.close();
            throw e;
        }
        long total = start + windowShapes.inputLength();
        DeviceTensor result = adopt(window, start, total, from,
                adopted -> compute(windowShapes, adopted, start, total, from, finalOutputs(total)));
        shapes = windowShapes;
        return result;
    }

    /** {@link #finish} keeping the result on the backend: the remaining outputs, or null when there are none. */
    @Override
    public synchronized DeviceTensor finishDevice() {
        requireUsable();
        if (pushed == 0) {
            throw new IllegalStateException("finish() before any push: the stream has no input");
        }
        long length = totalOutputLength(pushed);
        DeviceTensor result = compute(shapes, window, windowStart, pushed, emitted, length);
        finished = true;
        release();
        return result;
    }

    /**
     * The output length of the whole input once {@code inputLength} positions are all there is.
     *
     * @throws IllegalArgumentException if it would be below 1, as for the one-shot call
     */
    synchronized long totalOutputLength(long inputLength) {
        long length = params.streamOutputLength(inputLength, kernelSize);
        if (length < 1) {
            throw new IllegalArgumentException("output length would be " + length + " (< 1) for a streamed input of "
                    + inputLength + " positions, kernelSize=" + kernelSize + " and " + params);
        }
        return length;
    }

    /**
     * Outputs [from, end) from the inputs [inputStart, inputEnd) in {@code inputs}, from at most {@code emitted}
     * (earlier outputs again for a consumer that takes them as its window); null if none is new.
     */
    private DeviceTensor compute(ConvProblem chunkShapes, DeviceTensor inputs, long inputStart, long inputEnd,
            long from, long end) {
        if (end == emitted) {
            return null;
        }
        ConvProblem step = chunkShapes.window(Validation.toIntExact("window length", inputEnd - inputStart),
                Validation.toIntExact("window padding", from + padLeft - inputStart * params.stride()),
                Validation.toIntExact("outputs per step", end - from));
        DeviceTensor result = adding(step.outputLength(), added -> backend.convTranspose1dWindow(
                added == null ? step : step.withResidual(1), inputs, layer.weightFor(step.dtype()),
                layer.biasFor(step.dtype()), added));
        emitted = end;
        return result;
    }

    /** How many outputs are final after {@code inputs} positions. */
    private long finalOutputs(long inputs) {
        long reached = inputs * params.stride() - padLeft;
        long shortest = params.streamOutputLength(inputs, kernelSize);
        return Math.max(emitted, Math.max(0, Math.min(reached, shortest)));
    }

    /** The first input position that reaches output {@code output} or a later one. */
    @Override
    long firstInputFor(long output) {
        long t = output + padLeft;
        long stride = params.stride();
        long reaching = Math.floorDiv(t - effectiveKernel + 1 + stride - 1, stride);
        return Math.max(0, Math.min(reaching, Math.floorDiv(t, stride)));
    }
}
