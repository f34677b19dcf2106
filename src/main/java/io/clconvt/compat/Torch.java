package io.clconvt.compat;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * PyTorch's {@code torch.nn.functional.conv_transpose1d} and the {@code output_size} argument of
 * {@code nn.ConvTranspose1d.forward}, argument for argument, with PyTorch's rules and error messages.
 *
 * <p>The input is (N, Cin, L) or unbatched (Cin, L); the weight (Cin, Cout / groups, K); the bias (Cout).
 * With symmetric padding p, {@code Lout = (Lin - 1) * stride - 2 * p + dilation * (K - 1) + 1 + output_padding},
 * where {@code 0 <= output_padding < max(stride, dilation)}. This is the core's own convention, so the
 * translation only adds PyTorch's validation and messages. A batch of 0 samples gives an empty output of
 * the right shape, as in PyTorch.
 */
public final class Torch {
    private Torch() {
    }

    /**
     * Computes {@code F.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups,
     * dilation)} on {@code backend}; see {@link #translate} for the arguments.
     *
     * @throws IllegalArgumentException with PyTorch's message where PyTorch raises an error
     */
    public static Tensor convTranspose1d(Backend backend, Tensor input, Tensor weight, Tensor bias, int stride,
            int padding, int outputPadding, int groups, int dilation) {
        CoreCall call = translate(input, weight, bias, stride, padding, outputPadding, groups, dilation);
        if (input.rank() == 3 && input.dim(0) == 0) {
            return emptyBatch(call);
        }
        return call.run(backend);
    }

    /**
     * Validates {@code F.conv_transpose1d}'s arguments in PyTorch's order and with its messages, and
     * translates them into the core call: symmetric padding, NCL layout.
     *
     * @param input (N, Cin, L), or (Cin, L) for one unbatched sample
     * @param weight (Cin, Cout / groups, K)
     * @param bias (Cout), or null
     * @throws IllegalArgumentException with PyTorch's message where PyTorch raises an error
     */
    public static CoreCall translate(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
            int outputPadding, int groups, int dilation) {
        if (input == null || weight == null) {
            throw new IllegalArgumentException((input == null ? "input" : "weight") + " must not be null");
        }
        requireInputRank(input);
        if (weight.rank() < 3) {
            throw new IllegalArgumentException("weight should have at least three dimensions");
        }
        int[] batchedShape = input.rank() == 3 ? input.shape() : new int[] {1, input.dim(0), input.dim(1)};
        if (weight.rank() > 3) {
            throw new IllegalArgumentException("Expected " + weight.rank() + "-dimensional input for "
                    + weight.rank() + "-dimensional weight " + Arrays.toString(weight.shape())
                    + ", but got 3-dimensional input of size " + Arrays.toString(batchedShape) + " instead");
        }
        if (padding < 0) {
            throw new IllegalArgumentException("negative padding is not supported");
        }
        if (outputPadding < 0) {
            throw new IllegalArgumentException("negative output_padding is not supported");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        if (stride <= 0) {
            throw new IllegalArgumentException("non-positive stride is not supported");
        }
        if (weight.dim(0) < groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be at least " + groups
                    + " at dimension 0, but got weight of size " + Arrays.toString(weight.shape()) + " instead");
        }
        if (weight.dim(0) % groups != 0) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by "
                    + groups + " at dimension 0, but got weight of size [" + Arrays.toString(weight.shape())
                    + "] instead");
        }
        if (batchedShape[1] != weight.dim(0)) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Arrays.toString(weight.shape())
                    + ", expected input" + Arrays.toString(batchedShape) + " to have " + weight.dim(0)
                    + " channels, but got " + batchedShape[1] + " channels instead");
        }
        long outChannels = (long) weight.dim(1) * groups;
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != outChannels)) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Arrays.toString(weight.shape())
                    + ", expected bias to be 1-dimensional with " + outChannels + " elements, but got bias of size "
                    + Arrays.toString(bias.shape()) + " instead");
        }
        if (dilation <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilation_height: 1, "
                    + "dilation_width: " + dilation);
        }
        if (outputPadding >= Math.max(stride, dilation)) {
            throw new IllegalArgumentException("output padding must be smaller than either stride or dilation, but got "
                    + "output_padding_height: 0 output_padding_width: " + outputPadding + " stride_height: 1 "
                    + "stride_width: " + stride + " dilation_height: 1 dilation_width: " + dilation);
        }
        int inputLength = batchedShape[2];
        int kernelSize = weight.dim(2);
        if (inputLength > 0 && kernelSize > 0) {
            long outputLength = Lengths.full(inputLength, kernelSize, stride, dilation) - 2L * padding + outputPadding;
            if (outputLength < 1) {
                throw new IllegalArgumentException("Given input size per channel: (1 x " + inputLength + "). "
                        + "Calculated output size per channel: (1 x " + outputLength + "). Output size is too small");
            }
        }
        requireSameDtype(input, weight);
        if (bias != null) {
            requireSameDtype(input, bias);
        }
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(stride).padding(Padding.of(padding))
                .outputPadding(outputPadding).groups(groups).dilation(dilation).layout(Layout.NCL).build();
        return new CoreCall(input, weight, bias, params);
    }

    /**
     * PyTorch's {@code nn.ConvTranspose1d._output_padding}: the output padding that makes a layer with
     * these settings produce {@code outputSize}, which must lie in [L', L' + stride - 1] where L' is the
     * length with output padding 0. {@code outputSize} holds the length alone, or the whole output shape
     * (3 values for a batched input, 2 for an unbatched one), of which the last counts.
     *
     * @throws IllegalArgumentException with PyTorch's message for a wrong number of values or a size out
     *     of range (naming the valid range)
     */
    public static int outputPadding(Tensor input, int[] outputSize, int stride, int padding, int kernelSize,
            int dilation) {
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        requireInputRank(input);
        long smallest = Lengths.full(input.dim(input.rank() - 1), kernelSize, stride, dilation) - 2L * padding;
        return (int) (requestedLength(input, outputSize, smallest, stride) - smallest);
    }

    /**
     * PyTorch's {@code layer(input, output_size=outputSize)}: applies {@code layer} producing the requested
     * length, replacing the layer's output padding as PyTorch does. With no {@code outputSize} values this
     * is {@code layer.forward(backend, input)}.
     *
     * @param outputSize the length alone, or the whole output shape (3 values batched, 2 unbatched)
     * @throws IllegalArgumentException with PyTorch's message for a wrong number of values or a size out
     *     of range; or if the layer uses what PyTorch's ConvTranspose1d lacks (SAME padding, NLC layout)
     */
    public static Tensor forward(ConvTranspose1d layer, Backend backend, Tensor input, int... outputSize) {
        if (layer == null || input == null) {
            throw new IllegalArgumentException((layer == null ? "layer" : "input") + " must not be null");
        }
        ConvTranspose1dParams params = layer.params();
        if (params.layout() != Layout.NCL || params.padding().equals(Padding.SAME)) {
            throw new IllegalArgumentException("PyTorch's ConvTranspose1d has no " + (params.layout() != Layout.NCL
                    ? params.layout() + " layout" : "'same' padding") + "; this layer is " + layer);
        }
        if (outputSize == null || outputSize.length == 0) {
            return layer.forward(backend, input);
        }
        requireInputRank(input);
        // L' is the layer's length without output padding; the core checks the same range again.
        int smallest = params.toBuilder().outputPadding(0).build()
                .outputLength(input.dim(input.rank() - 1), layer.weight().dim(2));
        return layer.forward(backend, input, requestedLength(input, outputSize, smallest, params.stride()));
    }

    /** The last value of {@code outputSize}, checked as {@code _output_padding} checks it. */
    private static int requestedLength(Tensor input, int[] outputSize, long smallest, int stride) {
        if (outputSize == null) {
            throw new IllegalArgumentException("output_size must not be null");
        }
        int nonSpatial = input.rank() == 3 ? 2 : 1;
        if (outputSize.length != 1 && outputSize.length != nonSpatial + 1) {
            throw new IllegalArgumentException("ConvTranspose1D: for " + input.rank() + "D input, "
                    + "output_size must have 1 or " + (nonSpatial + 1) + " elements (got " + outputSize.length + ")");
        }
        int size = outputSize[outputSize.length - 1];
        long largest = smallest + stride - 1;
        if (size < smallest || size > largest) {
            throw new IllegalArgumentException("requested an output size of [" + size + "], but valid sizes "
                    + "range from [" + smallest + "] to [" + largest + "] (for an input of torch.Size(["
                    + input.dim(input.rank() - 1) + "]))");
        }
        return size;
    }

    private static void requireInputRank(Tensor input) {
        if (input.rank() != 2 && input.rank() != 3) {
            throw new IllegalArgumentException("Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d, but "
                    + "got input of size: " + Arrays.toString(input.shape()));
        }
    }

    private static void requireSameDtype(Tensor input, Tensor other) {
        if (other.dtype() != input.dtype()) {
            throw new IllegalArgumentException("expected scalar type " + scalarType(input.dtype()) + " but found "
                    + scalarType(other.dtype()));
        }
    }

    private static String scalarType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "Float";
            case FLOAT64 -> "Double";
            case FLOAT16 -> "Half";
            case BFLOAT16 -> "BFloat16";
        };
    }

    /** PyTorch returns (0, Cout, Lout) for an empty batch; the core refuses zero dimensions. */
    private static Tensor emptyBatch(CoreCall call) {
        Tensor input = call.input();
        int outputLength = call.params().outputLength(input.dim(2), call.weight().dim(2));
        int[] shape = {0, call.weight().dim(1) * call.params().groups(), outputLength};
        return Tensor.of(new float[0], shape).to(input.dtype());
    }
}
