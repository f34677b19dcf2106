package io.clconvt;

import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;

/**
 * The {@link ChunkStream} of one {@link Conv1d} layer.
 *
 * <p>With zero padding, output t reads input positions [t * stride - left, t * stride - left + span] (span =
 * dilation x (K - 1)), zeros outside the input: after n positions it is final once its last read is below n,
 * and it exists for sure once even the input ending now has it. So a push returns outputs up to
 * {@code min(floor((n - 1 + left - span) / stride) + 1, Lout(n))} and finish the rest, which read the right
 * padding: the look-ahead of the layer is span - left positions. A step computes its outputs as a window of
 * the convolution over the inputs from the first one its first output reads, which this stream keeps on the
 * backend (at most span + stride positions) and joins with the next chunk on the device.
 *
 * <p>Reflect, replicate and circular padding read the input's last positions at its start (circular) or
 * need the whole length to validate the padding (reflect): a stream of such a layer keeps every chunk on the
 * backend and computes the whole output at finish, which equals the one-shot call.
 */
final class Conv1dStream extends LayerStream<Conv1dProblem> {
    private final Conv1d layer;
    private final Conv1dParams params;
    private final int left;
    private final int right;
    private final long span;
    private final boolean incremental;

    Conv1dStream(StreamingBackend backend, Conv1d layer, Conv1dParams params, Activation inputActivation) {
        super(backend, inputActivation);
        this.layer = layer;
        this.params = params;
        int kernelSize = layer.weight().dim(2);
        int[] sides = params.sides(kernelSize);
        this.left = sides[0];
        this.right = sides[1];
        this.span = (long) params.dilation() * (kernelSize - 1);
        this.incremental = params.paddingMode() == PaddingMode.ZEROS;
    }

    /** {@link #push(Tensor)} for a chunk on the backend, which stays open: its outputs from emitFrom, or null. */
    @Override
    synchronized DeviceTensor pushDevice(DeviceTensor chunk, long emitFrom) {
        Validation.requireNonNull("chunk", chunk);
        Conv1dProblem chunkShapes = check(chunk.shape(), chunk.dtype());
        long from = requireEmitFrom(emitFrom);
        long total = pushed + chunkShapes.inputLength();
        long first = incremental ? Math.min(firstInputFor(from), pushed) : windowStart;
        DeviceTensor result = advance(params.layout(), chunk, first, total,
                joined -> incremental ? compute(chunkShapes, joined, first, total, from, finalOutputs(total)) : null);
        shapes = chunkShapes;
        return result;
    }

    @Override
    boolean takesWindows() {
        return incremental && super.takesWindows();
    }

    /** {@link #finish()} keeping the result on the backend: the remaining outputs, or null when there are none. */
    @Override
    public synchronized DeviceTensor finishDevice() {
        requireStarted();
        DeviceTensor result = incremental ? compute(shapes, window, windowStart, pushed, emitted, totalOutputLength())
                : whole();
        finished = true;
        release();
        return result;
    }

    /**
     * The one-shot call on every input pushed, which the window holds (activated) when the stream is not
     * incremental.
     */
    private DeviceTensor whole() {
        Tensor weight = layer.weightFor(shapes.dtype());
        Tensor bias = layer.biasFor(shapes.dtype());
        return run(Conv1dProblem.resolve(window.shape(), shapes.dtype(), weight, bias, params), window);
    }

    /** The layer's window call {@code step} on {@code inputs}, adding the skip path's next outputs if it has one. */
    private DeviceTensor run(Conv1dProblem step, DeviceTensor inputs) {
        return adding(step.outputLength(), added -> backend.conv1dWindow(added == null ? step : step.withResidual(1),
                inputs, layer.weightFor(step.dtype()), layer.biasFor(step.dtype()), added));
    }

    @Override
    Conv1dProblem resolve(int[] shape, DType dtype, DType parameters) {
        return Conv1dProblem.resolveShapes(shape, dtype, layer.weightFor(parameters), layer.biasFor(parameters),
                params);
    }

    /** The whole input's output length, refused below 1 as the one-shot call refuses it. */
    private long totalOutputLength() {
        long reach = pushed + left + right - span - 1;
        if (reach < 0) {
            throw new IllegalArgumentException("output length would be < 1 for a streamed input of " + pushed
                    + " positions and " + params);
        }
        return reach / params.stride() + 1;
    }

    @Override
    DeviceTensor compute(Conv1dProblem chunkShapes, DeviceTensor inputs, long inputStart, long inputEnd,
            long from, long end) {
        if (end <= emitted) {
            return null;
        }
        Conv1dProblem step = chunkShapes.window(Validation.toIntExact("window length", inputEnd - inputStart),
                Validation.toIntExact("window padding", left + inputStart - from * params.stride()),
                Validation.toIntExact("outputs per step", end - from));
        DeviceTensor result = run(step, inputs);
        emitted = end;
        return result;
    }

    @Override
    long finalOutputs(long inputs) {
        long lastRead = inputs - 1 + left - span;
        long shortest = inputs + left + right - span - 1;
        if (lastRead < 0 || shortest < 0) {
            return emitted;
        }
        return Math.max(emitted, Math.min(lastRead, shortest) / params.stride() + 1);
    }

    @Override
    long firstInputFor(long output) {
        return Math.max(0, output * params.stride() - left);
    }
}
