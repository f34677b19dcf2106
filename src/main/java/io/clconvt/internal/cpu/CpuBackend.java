package io.clconvt.internal.cpu;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvGradients;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.BackwardCalls;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.ConvShapes;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.StreamingBackend.QueuedPositions;
import io.clconvt.internal.Validation;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The reference implementation and the fallback when no OpenCL device is usable: the definition of
 * the transposed convolution as plain loops, accumulating in double. Each input value scatters into
 * the outputs its taps reach, a formulation independent of the OpenCL kernels' gather, which makes
 * this a useful oracle. Rows (one sample, one output channel) run in parallel on all cores.
 *
 * <p>Loop order is chosen for the JIT: tap k of input position i lands at t = i * stride + k * dilation
 * of the unpadded output, that is in stride phase {@code (k * dilation) % stride}, row
 * {@code i + (k * dilation) / stride}. Accumulating each phase in its own contiguous row makes the
 * update of one tap over all i a unit-stride loop that the JIT vectorises. The activation is applied in
 * double to the double sum (bias included), before the result is rounded to the dtype.
 *
 * <p>Its device tensors live on the heap: they hold an immutable {@link Tensor}. Calls share no mutable
 * state, so they run concurrently.
 */
public final class CpuBackend implements StreamingBackend {
    /** Input channels added per pass over an accumulator row: fewer accumulator loads and stores per product. */
    private static final int CHANNEL_BLOCK = 8;

    volatile boolean closed;

    @Override
    public Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        ConvProblem problem = ConvProblem.resolve(x, weight, bias, params);
        requireOpen();
        return compute(problem, x, weight, bias, null);
    }

    @Override
    public DeviceTensor convTranspose1d(DeviceTensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        Tensor input = owned(x).tensor();
        ConvProblem problem = ConvProblem.resolve(input.shape(), input.dtype(), weight, bias, params);
        return new HeapTensor(this, compute(problem, input, weight, bias, null));
    }

    @Override
    public Tensor conv1d(Tensor x, Tensor weight, Tensor bias, Conv1dParams params) {
        Conv1dProblem problem = Conv1dProblem.resolve(x, weight, bias, params);
        requireOpen();
        return CpuConvolution.conv1d(problem, x, weight, bias, null);
    }

    @Override
    public DeviceTensor conv1d(DeviceTensor x, Tensor weight, Tensor bias, Conv1dParams params) {
        Tensor input = owned(x).tensor();
        Conv1dProblem problem = Conv1dProblem.resolve(input.shape(), input.dtype(), weight, bias, params);
        return new HeapTensor(this, CpuConvolution.conv1d(problem, input, weight, bias, null));
    }

    @Override
    public DeviceTensor conv1dWindow(Conv1dProblem problem, DeviceTensor x, Tensor weight, Tensor bias,
            DeviceTensor residual) {
        Tensor input = owned(x).tensor();
        requireInputShape(problem.inputShape(), input.shape());
        return new HeapTensor(this, CpuConvolution.conv1d(problem, input, weight, bias,
                residualInput(problem, residual)));
    }

    @Override
    public ConvGradients conv1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
            Conv1dParams params) {
        Conv1dProblem problem = BackwardCalls.conv1d(gradOutput, x, weight, params);
        requireOpen();
        return CpuConvolution.conv1dBackward(problem, gradOutput, x, weight, withBias);
    }

    @Override
    public ConvGradients convTranspose1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
            ConvTranspose1dParams params) {
        ConvProblem problem = BackwardCalls.convTranspose1d(gradOutput, x, weight, params);
        requireOpen();
        return CpuConvolution.convTranspose1dBackward(problem, gradOutput, x, weight, withBias);
    }

    @Override
    public DeviceTensor convTranspose1dWindow(ConvProblem problem, DeviceTensor x, Tensor weight, Tensor bias,
            DeviceTensor residual) {
        Tensor input = owned(x).tensor();
        requireInputShape(problem.inputShape(), input.shape());
        return new HeapTensor(this, compute(problem, input, weight, bias, residualInput(problem, residual)));
    }

    /** The residual input {@code problem} adds, checked; null when it adds none. */
    private Tensor residualInput(ConvShapes problem, DeviceTensor residual) {
        StreamingBackend.requireResidual(problem, residual);
        return residual == null ? null : owned(residual).tensor();
    }

    /** Guards the streams' internal calls: a window computed from the wrong input would be silently wrong. */
    public static void requireInputShape(int[] windowInput, int[] shape) {
        if (!Arrays.equals(windowInput, shape)) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " is not the window's "
                    + Arrays.toString(windowInput));
        }
    }

    @Override
    public DeviceTensor joinLength(DeviceTensor head, int from, DeviceTensor tail, Layout layout,
            Activation tailActivation) {
        Validation.requireNonNull("tailActivation", tailActivation);
        Tensor tailValues = owned(tail).tensor();
        StreamingBackend.requireJoinable(head, from, tail, layout);
        Tensor second = tailActivation == Activation.NONE ? tailValues
                : combined(tailValues, 1, null, 0, tailActivation);
        Tensor first = head == null ? null : owned(head).tensor();
        return new HeapTensor(this, ApiAccess.joinLength(first, from, second,
                StreamingBackend.lengthAxis(second.rank(), layout)));
    }

    @Override
    public DeviceTensor[] joinLengthTwice(DeviceTensor head, int from, DeviceTensor tail, Layout layout,
            Activation tailActivation, DeviceTensor otherHead, int otherFrom, int otherSplit) {
        owned(tail);
        StreamingBackend.requireJoinable(otherHead, otherFrom, tail, layout);
        StreamingBackend.requireSplit(otherSplit, otherHead, otherFrom, tail, layout);
        DeviceTensor first = joinLength(head, from, tail, layout, tailActivation);
        DeviceTensor other = joinLength(otherHead, otherFrom, tail, layout);
        int length = other.shape()[StreamingBackend.lengthAxis(other.shape().length, layout)];
        if (otherSplit == length) {
            return new DeviceTensor[] {first, other, null};
        }
        try (other) {
            return new DeviceTensor[] {first, sliceLength(other, 0, otherSplit, layout),
                    sliceLength(other, otherSplit, length - otherSplit, layout)};
        }
    }

    @Override
    public DeviceTensor combine(DeviceTensor a, double alpha, DeviceTensor b, double beta, Activation activation) {
        Tensor first = owned(a).tensor();
        Tensor second = b == null ? null : owned(b).tensor();
        StreamingBackend.requireSameShape(a, b);
        Validation.requireNonNull("activation", activation);
        return new HeapTensor(this, combined(first, alpha, second, beta, activation));
    }

    /** {@code activation(alpha * a + beta * b)}, b null for none, computed in double and rounded to a's dtype. */
    private static Tensor combined(Tensor a, double alpha, Tensor b, double beta, Activation activation) {
        double[] values = a.toDoubleArray();
        double[] others = b == null ? null : b.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = activation.apply(alpha * values[i] + (others == null ? 0 : beta * others[i]));
        }
        return Planes.round(values, a.dtype(), a.shape());
    }

    @Override
    public DeviceTensor mean(List<QueuedPositions> parts, int length, Layout layout, Activation activation) {
        Validation.requireNonNull("activation", activation);
        StreamingBackend.requireMean(parts, length, layout);
        double[] sum = null;
        for (QueuedPositions part : parts) {
            try (DeviceTensor slice = part.then() == null ? sliceLength(part.first(), part.from(), length, layout)
                    : firstPositions(joinLength(part.first(), part.from(), part.then(), layout), length, layout)) {
                double[] values = owned(slice).tensor().toDoubleArray();
                if (sum == null) {
                    sum = values;
                } else {
                    for (int e = 0; e < sum.length; e++) {
                        sum[e] += values[e];
                    }
                }
            }
        }
        for (int e = 0; e < sum.length; e++) {
            sum[e] = activation.apply(sum[e] / parts.size());
        }
        int[] shape = parts.get(0).first().shape().clone();
        shape[StreamingBackend.lengthAxis(shape.length, layout)] = length;
        return new HeapTensor(this, Planes.round(sum, parts.get(0).first().dtype(), shape));
    }

    /** The first {@code length} positions of {@code joined}, which is closed. */
    private DeviceTensor firstPositions(DeviceTensor joined, int length, Layout layout) {
        try (joined) {
            return sliceLength(joined, 0, length, layout);
        }
    }

    @Override
    public DeviceTensor sliceLength(DeviceTensor x, int from, int length, Layout layout) {
        Tensor tensor = owned(x).tensor();
        int[] shape = tensor.shape();
        StreamingBackend.requireSlice(shape, from, length, layout);
        int axis = StreamingBackend.lengthAxis(shape.length, layout);
        long rows = 1;
        for (int a = 0; a < axis; a++) {
            rows *= shape[a];
        }
        int position = 1;
        for (int a = axis + 1; a < shape.length; a++) {
            position *= shape[a];
        }
        double[] values = tensor.toDoubleArray();
        double[] slice = new double[(int) rows * length * position];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(values, (row * shape[axis] + from) * position, slice, row * length * position,
                    length * position);
        }
        int[] sliced = shape.clone();
        sliced[axis] = length;
        // Exact: every dtype's values are doubles, and rounding a double made from one gives it back.
        return new HeapTensor(this, Planes.round(slice, tensor.dtype(), sliced));
    }

    @Override
    public DeviceTensor upload(Tensor tensor) {
        Validation.requireNonNull("tensor", tensor);
        ConvProblem.requireNoZeroDimension("tensor", tensor.shape());
        requireOpen();
        return new HeapTensor(this, tensor);
    }

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the CPU backend is closed");
        }
    }

    /** {@code x} as this backend's own device tensor. */
    private HeapTensor owned(DeviceTensor x) {
        Validation.requireNonNull("input", x);
        if (!(x instanceof HeapTensor heap) || heap.owner != this) {
            throw new IllegalArgumentException("input " + x + " belongs to another backend than " + describe()
                    + "; download it and upload it to this one");
        }
        return heap;
    }

    private static Tensor compute(ConvProblem problem, Tensor x, Tensor weight, Tensor bias, Tensor residual) {
        requireHeapFor(problem);
        Epilogue epilogue = Epilogue.of(problem, residual == null ? null : residual.toDoubleArray());
        double[] input = Planes.activate(channelsContiguous(problem, x), problem.inputActivation());
        double[] weights = weight.toDoubleArray();
        double[] biases = bias == null ? null : bias.toDoubleArray();
        double[] output = new double[problem.outputElements()];
        IntStream.range(0, problem.batch() * problem.outChannels()).parallel()
                .forEach(row -> computeRow(problem, input, weights, biases, epilogue, row, output));
        int[] shape = problem.outputShape();
        if (problem.dtype() == DType.FLOAT64) {
            return ApiAccess.wrap(output, shape);
        }
        if (problem.dtype().isHalf()) {
            return ApiAccess.wrapHalf(problem.dtype(), ApiAccess.roundHalf(problem.dtype(), output), shape);
        }
        float[] rounded = new float[output.length];
        for (int i = 0; i < output.length; i++) {
            rounded[i] = (float) output[i];
        }
        return ApiAccess.wrap(rounded, shape);
    }

    /**
     * Refuses a call whose working set cannot fit the heap that is left, before allocating any of it: the
     * input, weight, output and residual input in double (the input twice for NLC), the rounded output and one row of
     * accumulators per row computed at once.
     */
    private static void requireHeapFor(ConvProblem p) {
        long cells = accumulatorCells(p);
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the CPU backend needs " + cells + " accumulators per output row"
                    + " (output length " + p.outputLength() + ", stride " + p.stride() + "), more than a Java"
                    + " array holds");
        }
        long doubles = (long) p.inputElements() * (p.layout() == Layout.NLC ? 2 : 1) + p.weightElements()
                + p.outChannels() + p.outputElements() * (p.addsResidual() ? 2L : 1L)
                + Math.min(Runtime.getRuntime().availableProcessors(), (long) p.batch() * p.outChannels()) * cells;
        Validation.requireHeap("the CPU backend's working set for an output of shape "
                + Arrays.toString(p.outputShape()), doubles * Double.BYTES
                + (long) p.outputElements() * p.dtype().byteSize());
    }

    /** The input as double, (N, Cin, Lin) whatever its layout, so that each channel is one contiguous row. */
    private static double[] channelsContiguous(ConvProblem p, Tensor x) {
        double[] values = x.toDoubleArray();
        if (p.layout() == Layout.NCL) {
            return values;
        }
        double[] transposed = new double[values.length];
        int channels = p.inChannels();
        int length = p.inputLength();
        for (int n = 0; n < p.batch(); n++) {
            int sample = n * channels * length;
            for (int i = 0; i < length; i++) {
                for (int c = 0; c < channels; c++) {
                    transposed[sample + c * length + i] = values[sample + i * channels + c];
                }
            }
        }
        return transposed;
    }

    /**
     * Computes out[n, co, :] for row = n * Cout + co. The accumulators hold the rows of the window's
     * stride phases, stride x rows cells, at most Lout + 2 * (stride - 1): within three times the output
     * while the stride is at most Lout. A larger stride accumulates by output position instead (each tap
     * then reaches at most one output), so scratch stays proportional to the output, never the stride.
     */
    private static void computeRow(ConvProblem p, double[] input, double[] weights, double[] biases,
            Epilogue epilogue, int row, double[] output) {
        int n = row / p.outChannels();
        int co = row % p.outChannels();
        int group = co / p.groupOutChannels();
        int groupOutChannel = co - group * p.groupOutChannels();
        int stride = p.stride();
        int inputLength = p.inputLength();
        int kernelSize = p.kernelSize();
        int firstRow = p.padLeft() / stride;
        int rows = windowRows(p);
        boolean byPhase = byPhase(p);
        // By phase: acc[phase * rows + row - firstRow]; by position: acc[o].
        double[] acc = new double[(int) accumulatorCells(p)];
        // Tap k of input positions [iFirst[k], iEnd[k]) lands inside the window, at acc[base[k] + i].
        int[] iFirst = new int[kernelSize];
        int[] iEnd = new int[kernelSize];
        int[] base = new int[kernelSize];
        for (int k = 0; k < kernelSize; k++) {
            long reach = (long) k * p.dilation(); // 64-bit: K x dilation may pass 2^31
            long first;
            long end;
            if (byPhase) {
                long shift = reach / stride;
                first = Math.max(0, firstRow - shift);
                end = Math.min(inputLength, (long) firstRow + rows - shift);
                base[k] = first < end ? (int) ((reach % stride) * rows + shift - firstRow) : 0;
            } else {
                // Output o = i * stride + reach - padLeft; one i at most, as the stride exceeds Lout.
                first = Math.max(0, ceilDiv(p.padLeft() - reach, stride));
                end = Math.min(inputLength, ceilDiv(p.padLeft() + (long) p.outputLength() - reach, stride));
                base[k] = first < end ? (int) (first * stride + reach - p.padLeft() - first) : 0;
            }
            iFirst[k] = (int) Math.min(first, inputLength);
            iEnd[k] = (int) Math.max(iFirst[k], end);
        }

        int firstChannel = group * p.groupInChannels();
        int endChannel = firstChannel + p.groupInChannels();
        for (int c0 = firstChannel; c0 < endChannel; c0 += CHANNEL_BLOCK) {
            int block = Math.min(CHANNEL_BLOCK, endChannel - c0);
            for (int k = 0; k < kernelSize; k++) {
                if (iFirst[k] == iEnd[k]) {
                    continue;
                }
                if (block == CHANNEL_BLOCK) {
                    addChannelBlock(p, input, weights, n, c0, groupOutChannel, k, acc, base[k], iFirst[k], iEnd[k]);
                } else {
                    for (int ci = c0; ci < c0 + block; ci++) {
                        double w = weights[(ci * p.groupOutChannels() + groupOutChannel) * kernelSize + k];
                        int x = (n * p.inChannels() + ci) * inputLength;
                        for (int i = iFirst[k]; i < iEnd[k]; i++) {
                            acc[base[k] + i] += input[x + i] * w;
                        }
                    }
                }
            }
        }

        double start = biases == null ? 0 : biases[co];
        int outputSample = n * p.outChannels() * p.outputLength();
        int channelStride = p.channelStride(p.outputLength());
        int positionStride = p.positionStride(p.outChannels());
        int out = outputSample + co * channelStride;
        if (!byPhase) {
            for (int o = 0; o < p.outputLength(); o++) {
                output[out + o * positionStride] = epilogue.apply(start + acc[o], out + o * positionStride);
            }
            return;
        }
        long firstOutput = (long) firstRow * stride - p.padLeft(); // output position of row firstRow, phase 0
        for (int q = 0; q < rows; q++) {
            for (int phase = 0; phase < stride; phase++) {
                long o = firstOutput + (long) q * stride + phase;
                if (o >= 0 && o < p.outputLength()) {
                    int at = out + (int) o * positionStride;
                    output[at] = epilogue.apply(start + acc[phase * rows + q], at);
                }
            }
        }
    }

    /** Rows of the unpadded output that hold the window [padLeft, padLeft + Lout). */
    private static int windowRows(ConvProblem p) {
        return (int) (((long) p.padLeft() + p.outputLength() - 1) / p.stride() - p.padLeft() / p.stride() + 1);
    }

    /** Whether a row accumulates by stride phase (the stride is at most Lout) rather than by position. */
    private static boolean byPhase(ConvProblem p) {
        return p.stride() <= p.outputLength();
    }

    /** Accumulators of one output row: stride x rows by phase, at most 3 x Lout; Lout by position. */
    private static long accumulatorCells(ConvProblem p) {
        return byPhase(p) ? (long) p.stride() * windowRows(p) : p.outputLength();
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** Adds tap k of CHANNEL_BLOCK consecutive input channels, one unit-stride pass over the row. */
    private static void addChannelBlock(ConvProblem p, double[] input, double[] weights, int n, int c0,
            int groupOutChannel, int k, double[] acc, int base, int iFirst, int iEnd) {
        int weightChannelStride = p.groupOutChannels() * p.kernelSize();
        int w = (c0 * p.groupOutChannels() + groupOutChannel) * p.kernelSize() + k;
        double w0 = weights[w];
        double w1 = weights[w + weightChannelStride];
        double w2 = weights[w + 2 * weightChannelStride];
        double w3 = weights[w + 3 * weightChannelStride];
        double w4 = weights[w + 4 * weightChannelStride];
        double w5 = weights[w + 5 * weightChannelStride];
        double w6 = weights[w + 6 * weightChannelStride];
        double w7 = weights[w + 7 * weightChannelStride];
        int length = p.inputLength();
        int x0 = (n * p.inChannels() + c0) * length;
        for (int i = iFirst; i < iEnd; i++) {
            int x = x0 + i;
            acc[base + i] += input[x] * w0 + input[x + length] * w1 + input[x + 2 * length] * w2
                    + input[x + 3 * length] * w3 + input[x + 4 * length] * w4 + input[x + 5 * length] * w5
                    + input[x + 6 * length] * w6 + input[x + 7 * length] * w7;
        }
    }

    /** {@code t}, laid out as {@code layout}, as an (N, C, L) plane of doubles: for the OpenCL backend's host work. */
    public static double[] plane(Tensor t, Layout layout, int batch, int channels, int length) {
        return Planes.read(t, layout, batch, channels, length);
    }

    /** An (N, C, L) plane as a tensor of {@code shape} laid out as {@code layout}, rounded once to {@code dtype}. */
    public static Tensor tensor(double[] plane, DType dtype, Layout layout, int batch, int channels, int length,
            int[] shape) {
        return Planes.write(plane, dtype, layout, batch, channels, length, shape);
    }

    @Override
    public String describe() {
        return "cpu: Java reference, " + Runtime.getRuntime().availableProcessors() + " threads";
    }

    @Override
    public void close() {
        closed = true;
    }
}
