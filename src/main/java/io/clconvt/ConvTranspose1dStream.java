package io.clconvt;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Validation;

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
final class ConvTranspose1dStream extends LayerStream<ConvProblem> {
    private final ConvTranspose1d layer;
    private final ConvTranspose1dParams params;
    private final int kernelSize;
    private final int padLeft;
    private final long effectiveKernel;

    ConvTranspose1dStream(Backend backend, ConvTranspose1d layer, ConvTranspose1dParams params) {
        this(backend, layer, params, Activation.NONE);
    }

    ConvTranspose1dStream(Backend backend, ConvTranspose1d layer, ConvTranspose1dParams params,
            Activation inputActivation) {
        super(ConvTranspose1d.engine(backend), inputActivation);
        if (params.outputSize().isPresent()) {
            throw new IllegalArgumentException("outputSize (" + params.outputSize().getAsInt() + ") depends on the"
                    + " whole input length and cannot stream; use outputPadding, or compute the whole input at once");
        }
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
        DeviceTensor result = advance(params.layout(), chunk, first, total,
                joined -> compute(chunkShapes, joined, first, total, from, finalOutputs(total)));
        shapes = chunkShapes;
        return result;
    }

    @Override
    ConvProblem resolve(int[] shape, DType dtype, DType parameters) {
        return ConvProblem.resolveShapes(shape, dtype, layer.weightFor(parameters), layer.biasFor(parameters),
                params);
    }

    /** {@link #finish} keeping the result on the backend: the remaining outputs, or null when there are none. */
    @Override
    public synchronized DeviceTensor finishDevice() {
        requireStarted();
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

    @Override
    DeviceTensor compute(ConvProblem chunkShapes, DeviceTensor inputs, long inputStart, long inputEnd,
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

    @Override
    long finalOutputs(long inputs) {
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
