package io.clconvt.internal;

import io.clconvt.Activation;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * One fully validated transposed-convolution call: every shape, length and offset a backend needs,
 * derived once from the tensors and parameters by {@link #resolve}, the single validation shared by
 * all backends and by host and device-resident inputs alike. With {@code addsResidual} the call adds a residual
 * input in its epilogue ({@link #withResidual}).
 */
public record ConvProblem(
        DType dtype,
        Layout layout,
        boolean batched,
        int batch,
        int inChannels,
        int outChannels,
        int groups,
        int kernelSize,
        int inputLength,
        int outputLength,
        int stride,
        int dilation,
        int padLeft,
        boolean hasBias,
        Activation activation,
        Activation inputActivation,
        boolean addsResidual,
        double residualScale) implements ConvShapes {

    /**
     * Checks the call and derives its geometry.
     *
     * @throws IllegalArgumentException naming the offending parameter and values
     */
    public static ConvProblem resolve(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        Validation.requireNonNull("input", x);
        return resolve(x.shape(), x.dtype(), weight, bias, params);
    }

    /**
     * {@link #resolve(Tensor, Tensor, Tensor, ConvTranspose1dParams)} for an input known only by its shape
     * and dtype, such as a {@link DeviceTensor}.
     */
    public static ConvProblem resolve(int[] xShape, DType xDtype, Tensor weight, Tensor bias,
            ConvTranspose1dParams params) {
        ConvProblem shapes = resolveShapes(xShape, xDtype, weight, bias, params);
        Geometry geometry = ApiAccess.geometry(params, shapes.inputLength(), shapes.kernelSize());
        return shapes.window(shapes.inputLength(), geometry.padLeft(), geometry.outputLength());
    }

    /**
     * Every check of {@link #resolve(int[], DType, Tensor, Tensor, ConvTranspose1dParams)} that does not
     * depend on the input's length: a problem whose window (padLeft, outputLength) is still 0, for a
     * stream, whose chunks fix channels, batch and dtype but whose total length is not known yet.
     */
    public static ConvProblem resolveShapes(int[] xShape, DType xDtype, Tensor weight, Tensor bias,
            ConvTranspose1dParams params) {
        Validation.requireNonNull("params", params);
        Validation.requireNonNull("weight", weight);
        requireShapes(xShape, xDtype, weight, bias, "(Cin, Cout/groups, K)");

        Layout layout = params.layout();
        boolean batched = xShape.length == 3;
        int batch = batched ? xShape[0] : 1;
        int channelAxis = (batched ? 1 : 0) + (layout == Layout.NLC ? 1 : 0);
        int lengthAxis = (batched ? 1 : 0) + (layout == Layout.NLC ? 0 : 1);
        int inChannels = xShape[channelAxis];
        int inputLength = xShape[lengthAxis];
        if (weight.dim(0) != inChannels) {
            throw new IllegalArgumentException("weight has Cin=" + weight.dim(0) + " (shape "
                    + Arrays.toString(weight.shape()) + ") but the " + layout + " input has " + inChannels
                    + " channels (shape " + Arrays.toString(xShape) + ")");
        }
        int groups = params.groups();
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException("in channels (" + inChannels + ") must be divisible by groups ("
                    + groups + ")");
        }
        int outChannels = Validation.toIntExact("out channels", (long) weight.dim(1) * groups);
        if (bias != null && bias.dim(0) != outChannels) {
            throw new IllegalArgumentException("bias has " + bias.dim(0) + " elements but there are "
                    + outChannels + " out channels (weight " + Arrays.toString(weight.shape()) + ", groups "
                    + groups + ")");
        }
        return new ConvProblem(xDtype, layout, batched, batch, inChannels, outChannels, groups, weight.dim(2),
                inputLength, 0, params.stride(), params.dilation(), 0, bias != null, params.activation(), Activation.NONE,
                false, 1);
    }

    /**
     * The checks every convolution shares before its own: ranks (input 2 or 3, weight 3 as
     * {@code weightShape} names its axes, bias 1), one dtype, no zero dimension.
     */
    public static void requireShapes(int[] xShape, DType xDtype, Tensor weight, Tensor bias, String weightShape) {
        if (xShape.length != 2 && xShape.length != 3) {
            throw new IllegalArgumentException("input must have rank 3 (batched) or 2 (unbatched), got shape "
                    + Arrays.toString(xShape));
        }
        if (weight.rank() != 3) {
            throw new IllegalArgumentException("weight must have rank 3 " + weightShape + ", got shape "
                    + Arrays.toString(weight.shape()));
        }
        if (bias != null && bias.rank() != 1) {
            throw new IllegalArgumentException("bias must have rank 1 (Cout), got shape "
                    + Arrays.toString(bias.shape()));
        }
        requireSameDtype("weight", weight, xDtype);
        if (bias != null) {
            requireSameDtype("bias", bias, xDtype);
        }
        requireNoZeroDimension("input", xShape);
        requireNoZeroDimension("weight", weight.shape());
        if (bias != null) {
            requireNoZeroDimension("bias", bias.shape());
        }

    }

    /**
     * The same call on {@code inputLength} input positions, computing the {@code outputLength} outputs that
     * start {@code padLeft} positions into the full (unpadded) transposed convolution of those inputs.
     *
     * @throws IllegalArgumentException if the output would not fit in a Java array
     */
    public ConvProblem window(int inputLength, int padLeft, int outputLength) {
        long outputElements = (long) batch * outChannels * outputLength;
        if (outputElements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("output would have " + outputElements + " elements (batch "
                    + batch + " x " + outChannels + " channels x length " + outputLength
                    + "), more than a Java array holds");
        }
        return new ConvProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize,
                inputLength, outputLength, stride, dilation, padLeft, hasBias, activation, inputActivation, addsResidual,
                residualScale);
    }

    /**
     * The same call with {@code activation} applied to every input value as it is loaded (a layer graph's
     * activation before this layer), fused into the kernel.
     */
    public ConvProblem withInputActivation(Activation activation) {
        return new ConvProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize, inputLength,
                outputLength, stride, dilation, padLeft, hasBias, this.activation, activation, addsResidual,
                residualScale);
    }

    /**
     * The same call adding a residual input of the output's shape in the kernel's epilogue, before the activation:
     * {@code y = activation(scale * (conv + bias) + residual)}.
     */
    public ConvProblem withResidual(double scale) {
        return new ConvProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize, inputLength,
                outputLength, stride, dilation, padLeft, hasBias, activation, inputActivation, true, scale);
    }

    private static void requireSameDtype(String name, Tensor t, DType inputDtype) {
        if (t.dtype() != inputDtype) {
            throw new IllegalArgumentException(name + " dtype " + t.dtype() + " does not match input dtype "
                    + inputDtype);
        }
    }

    /** Empty tensors are refused everywhere, uploads included, since a device cannot allocate zero bytes. */
    public static void requireNoZeroDimension(String name, int[] shape) {
        for (int dim : shape) {
            if (dim == 0) {
                throw new IllegalArgumentException(name + " shape " + Arrays.toString(shape)
                        + " has a zero dimension");
            }
        }
    }

    /**
     * How many input rows before an output row's own the last tap reads: (K - 1) x dilation / stride, the
     * halo every kernel's input window carries beyond its rows.
     */
    public long reach() {
        return (long) (kernelSize - 1) * dilation / stride;
    }

    /**
     * Taps between two that land on the same stride phase: stride / gcd(stride, dilation). Each output
     * position sees at most ceil(K / tapStep) taps per input channel.
     */
    public int tapStep() {
        return stride / Maths.gcd(stride, dilation);
    }

    /** Rows of t-space (stride outputs each, t = o + padLeft) that hold at least one output position. */
    public long rowsWithOutput() {
        long firstRow = padLeft / stride;
        long lastRow = ((long) padLeft + outputLength - 1) / stride;
        return lastRow - firstRow + 1;
    }

    /** Element offset between consecutive channels of a sample laid out with {@code length} positions. */
    public int channelStride(int length) {
        return layout == Layout.NCL ? length : 1;
    }

    /** Element offset between consecutive positions of a sample with {@code channels} channels. */
    public int positionStride(int channels) {
        return layout == Layout.NCL ? 1 : channels;
    }
}
