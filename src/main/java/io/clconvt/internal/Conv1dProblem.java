package io.clconvt.internal;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.PaddingMode;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * One fully validated convolution call, the {@link ConvProblem} of {@link Conv1dParams}: every shape, length
 * and offset a backend needs, derived once by {@link #resolve}.
 *
 * <p>Output t reads padded positions {@code j = t * stride + k * dilation - padLeft}, and padded position j
 * reads the input where {@link #sourcePosition} says. {@code padRight} is how far the last output reads
 * beyond the input's end; a window computed by a stream may read less than its input (padRight negative)
 * or start inside it (padLeft negative). With {@code addsResidual} the call adds a residual input in its epilogue
 * ({@link #withResidual}).
 */
public record Conv1dProblem(
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
        int padRight,
        PaddingMode paddingMode,
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
    public static Conv1dProblem resolve(Tensor x, Tensor weight, Tensor bias, Conv1dParams params) {
        Validation.requireNonNull("input", x);
        return resolve(x.shape(), x.dtype(), weight, bias, params);
    }

    /** {@link #resolve(Tensor, Tensor, Tensor, Conv1dParams)} for an input known by its shape and dtype. */
    public static Conv1dProblem resolve(int[] xShape, DType xDtype, Tensor weight, Tensor bias, Conv1dParams params) {
        Conv1dProblem shapes = resolveShapes(xShape, xDtype, weight, bias, params);
        Conv1dGeometry geometry = ApiAccess.geometry(params, shapes.inputLength(), shapes.kernelSize());
        return shapes.window(shapes.inputLength(), geometry.padLeft(), geometry.outputLength());
    }

    /**
     * Every check of {@link #resolve(int[], DType, Tensor, Tensor, Conv1dParams)} that does not depend on the
     * input's length: a problem whose window is still empty, for a stream, whose chunks fix channels, batch
     * and dtype but not the total length.
     */
    public static Conv1dProblem resolveShapes(int[] xShape, DType xDtype, Tensor weight, Tensor bias,
            Conv1dParams params) {
        Validation.requireNonNull("params", params);
        Validation.requireNonNull("weight", weight);
        ConvProblem.requireShapes(xShape, xDtype, weight, bias, "(Cout, Cin/groups, K)");
        Layout layout = params.layout();
        boolean batched = xShape.length == 3;
        int batch = batched ? xShape[0] : 1;
        int inChannels = xShape[(batched ? 1 : 0) + (layout == Layout.NLC ? 1 : 0)];
        int inputLength = xShape[(batched ? 1 : 0) + (layout == Layout.NLC ? 0 : 1)];
        int groups = params.groups();
        int outChannels = weight.dim(0);
        if (outChannels % groups != 0) {
            throw new IllegalArgumentException("weight has Cout=" + outChannels + " (shape "
                    + Arrays.toString(weight.shape()) + "), which groups (" + groups + ") does not divide");
        }
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException("in channels (" + inChannels + ") must be divisible by groups ("
                    + groups + ")");
        }
        if ((long) weight.dim(1) * groups != inChannels) {
            throw new IllegalArgumentException("weight has Cin/groups=" + weight.dim(1) + " (shape "
                    + Arrays.toString(weight.shape()) + ", groups " + groups + ") but the " + layout
                    + " input has " + inChannels + " channels (shape " + Arrays.toString(xShape) + ")");
        }
        if (bias != null && bias.dim(0) != outChannels) {
            throw new IllegalArgumentException("bias has " + bias.dim(0) + " elements but there are " + outChannels
                    + " out channels (weight " + Arrays.toString(weight.shape()) + ")");
        }
        return new Conv1dProblem(xDtype, layout, batched, batch, inChannels, outChannels, groups, weight.dim(2),
                inputLength, 0, params.stride(), params.dilation(), 0, 0, params.paddingMode(), bias != null,
                params.activation(), Activation.NONE, false, 1);
    }

    /**
     * The same convolution computing {@code outputLength} outputs of {@code inputLength} inputs, the first
     * reading padded position {@code -padLeft}: the window a stream computes.
     */
    public Conv1dProblem window(int inputLength, int padLeft, int outputLength) {
        Conv1dProblem problem = new Conv1dProblem(dtype, layout, batched, batch, inChannels, outChannels, groups,
                kernelSize, inputLength, outputLength, stride, dilation, padLeft, 0, paddingMode, hasBias,
                activation, inputActivation, addsResidual, residualScale);
        problem.requireOutputFits();
        return problem.withReadRight();
    }

    private Conv1dProblem withReadRight() {
        long lastRead = (long) (outputLength - 1) * stride + span() - padLeft;
        return new Conv1dProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize,
                inputLength, outputLength, stride, dilation, padLeft,
                Validation.toIntExact("padding right", lastRead - (inputLength - 1)), paddingMode, hasBias,
                activation, inputActivation, addsResidual, residualScale);
    }

    private void requireOutputFits() {
        long outputElements = (long) batch * outChannels * outputLength;
        if (outputElements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("output would have " + outputElements + " elements (batch " + batch
                    + " x " + outChannels + " channels x length " + outputLength + "), more than a Java array holds");
        }
    }

    /** The same call with {@code activation} applied to every input value as it is loaded. */
    public Conv1dProblem withInputActivation(Activation activation) {
        return new Conv1dProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize,
                inputLength, outputLength, stride, dilation, padLeft, padRight, paddingMode, hasBias, this.activation,
                activation, addsResidual, residualScale);
    }

    /**
     * The same call adding a residual input of the output's shape in the kernel's epilogue, before the activation:
     * {@code y = activation(scale * (conv + bias) + residual)}.
     */
    public Conv1dProblem withResidual(double scale) {
        return new Conv1dProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize,
                inputLength, outputLength, stride, dilation, padLeft, padRight, paddingMode, hasBias, activation,
                inputActivation, true, scale);
    }

    /** dilation x (K - 1): how far the last tap reads beyond the first. */
    public long span() {
        return (long) dilation * (kernelSize - 1);
    }

    /** The kernels' code of the padding mode: its ordinal (0 zeros, 1 reflect, 2 replicate, 3 circular). */
    public int paddingModeCode() {
        return paddingMode.ordinal();
    }

    /**
     * The input position padded position {@code j} reads, or -1 for a zero; the modes' limits on the padding
     * were checked when the problem was resolved.
     */
    public int sourcePosition(long j) {
        if (j >= 0 && j < inputLength) {
            return (int) j;
        }
        return switch (paddingMode) {
            case ZEROS -> -1;
            case REFLECT -> (int) (j < 0 ? -j : 2L * (inputLength - 1) - j);
            case REPLICATE -> j < 0 ? 0 : inputLength - 1;
            case CIRCULAR -> (int) Math.floorMod(j, (long) inputLength);
        };
    }

    /**
     * The same call as a transposed convolution of the same input, when one exists: with stride 1,
     * {@code conv1d(x, w)[t] = convTranspose1d(x, flip(w))[t + K' - padLeft]} (K' the span), its weight
     * (Cin, Cout / groups, K) the convolution's with each group transposed and the taps reversed. It exists
     * when nothing but zeros is read outside the input and the window lies inside the full transposed
     * output; null otherwise.
     */
    public ConvProblem asTransposed() {
        boolean readsOnlyZerosOutside = paddingMode == PaddingMode.ZEROS || (padLeft <= 0 && padRight <= 0);
        if (stride != 1 || !readsOnlyZerosOutside || padLeft > span() || padRight > span()) {
            return null;
        }
        return new ConvProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize,
                inputLength, outputLength, 1, dilation, Validation.toIntExact("padding left", span() - padLeft),
                hasBias, activation, inputActivation, addsResidual, residualScale);
    }

    /**
     * The same call at stride 1 over the same span: its output t·stride is this call's output t, so a strided
     * call can run on the stride-1 route ({@link #asTransposed()}) and keep every stride-th output. Null for
     * stride 1, when those outputs would not fit an array, or with a residual input (which has only the strided
     * outputs' shape).
     */
    public Conv1dProblem denseOutputs() {
        long length = (long) (outputLength - 1) * stride + 1;
        if (stride == 1 || addsResidual || (long) batch * outChannels * length > Integer.MAX_VALUE) {
            return null;
        }
        return new Conv1dProblem(dtype, layout, batched, batch, inChannels, outChannels, groups, kernelSize,
                inputLength, (int) length, 1, dilation, padLeft, 0, paddingMode, hasBias, activation, inputActivation,
                false, 1).withReadRight();
    }
}
