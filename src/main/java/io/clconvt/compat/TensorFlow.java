package io.clconvt.compat;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * TensorFlow's {@code tf.nn.conv1d_transpose(input, filters, output_shape, strides, padding, data_format,
 * dilations)}, argument for argument, with TensorFlow's rules and error messages.
 *
 * <p>The input is [batch, in_width, in_channels] for "NWC" (the default) or [batch, in_channels, in_width]
 * for "NCW"; the filters are [filter_width, output_channels, in_channels] = (K, Cout, Cin). There are no
 * groups and no bias. TensorFlow computes the gradient of the forward convolution whose input has the
 * shape {@code output_shape}, so the output length Lout is whatever {@code output_shape} says, provided a
 * forward convolution of Lout positions with the same settings gives back Lin. With
 * ek = dilation * (K - 1) + 1 that means:
 * <ul>
 *   <li>"VALID": {@code floor((Lout - ek) / stride) + 1 = Lin}, i.e. Lout in
 *       [(Lin - 1) * stride + ek, (Lin - 1) * stride + ek + stride - 1]; no padding;</li>
 *   <li>"SAME": {@code ceil(Lout / stride) = Lin}, i.e. Lout in [(Lin - 1) * stride + 1, Lin * stride];
 *       the forward convolution pads {@code max(0, (Lin - 1) * stride + ek - Lout)} in all, the smaller
 *       half, {@code padLeft}, on the left.</li>
 * </ul>
 * Output position o then sums {@code input[i] * filters[k]} over {@code i * stride + k * dilation - padLeft = o},
 * which is the core's definition with the core's SAME and VALID padding and {@code outputSize(Lout)}; the
 * translation adds no arithmetic of its own. Dilations above 1 follow TensorFlow's shape rules and GPU
 * kernel (TensorFlow's CPU kernel refuses them).
 */
public final class TensorFlow {
    /** The label TensorFlow's kernel puts in front of its shape errors. */
    private static final String KERNEL = "Conv2DSlowBackpropInput";

    private TensorFlow() {
    }

    /**
     * Computes {@code tf.nn.conv1d_transpose(input, filters, output_shape, strides, padding, data_format,
     * dilations)} on {@code backend}; see {@link #translate} for the arguments.
     *
     * @throws IllegalArgumentException with TensorFlow's message where TensorFlow raises an error
     */
    public static Tensor conv1dTranspose(Backend backend, Tensor input, Tensor filters, int[] outputShape,
            int strides, String padding, String dataFormat, int dilations) {
        return translate(input, filters, outputShape, strides, padding, dataFormat, dilations).run(backend);
    }

    /**
     * Validates TensorFlow's arguments as TensorFlow does and translates them into the core call that
     * computes TensorFlow's result: the filters converted by {@link Weights#fromTensorFlow}, the core's
     * SAME or VALID padding and {@code outputSize(Lout)}.
     *
     * @param input [batch, in_width, in_channels] for "NWC", [batch, in_channels, in_width] for "NCW"
     * @param filters [filter_width, output_channels, in_channels]
     * @param outputShape the output's three dimensions in the input's data format; batch and channels must
     *     match the input's batch and the filters' output_channels
     * @param padding "SAME" or "VALID", exactly, as TensorFlow compares them; null means TensorFlow's default "SAME"
     * @param dataFormat "NWC" or "NCW", exactly; null means TensorFlow's default "NWC"
     * @param dilations 1 for none
     * @throws IllegalArgumentException with TensorFlow's message where TensorFlow raises an error
     */
    public static CoreCall translate(Tensor input, Tensor filters, int[] outputShape, int strides, String padding,
            String dataFormat, int dilations) {
        Layout layout = layout(dataFormat);
        Padding mode = padding(padding);
        if (strides <= 0) {
            throw new IllegalArgumentException("Row and column strides should be larger than 0. Received: strides="
                    + strides);
        }
        if (dilations <= 0) {
            throw new IllegalArgumentException("Dilated rates should be larger than 0. Received: "
                    + "dilations=" + dilations);
        }
        String format = layout == Layout.NLC ? "NWC" : "NCW";
        String inputAxes = layout == Layout.NLC ? "[batch, in_width, in_channels]" : "[batch, in_channels, in_width]";
        String outputAxes = layout == Layout.NLC ? "[batch, out_width, out_channels]"
                : "[batch, out_channels, out_width]";
        if (input == null || input.rank() != 3) {
            throw new IllegalArgumentException("conv1d_transpose: input must be 3-dimensional " + inputAxes + " for "
                    + format + ", got " + describe(input));
        }
        if (filters == null || filters.rank() != 3) {
            throw new IllegalArgumentException("conv1d_transpose: filters must be 3-dimensional [filter_width, "
                    + "output_channels, in_channels], got " + describe(filters));
        }
        if (outputShape == null || outputShape.length != 3) {
            throw new IllegalArgumentException("conv1d_transpose: output_shape must have 3 elements " + outputAxes
                    + " for " + format + ", got " + (outputShape == null ? "null" : Arrays.toString(outputShape)));
        }
        for (int dim : outputShape) {
            if (dim < 0) {
                throw new IllegalArgumentException("Dimension " + dim + " must be >= 0 (output_shape "
                        + Arrays.toString(outputShape) + ")");
            }
        }
        int channelAxis = layout == Layout.NLC ? 2 : 1;
        int widthAxis = layout == Layout.NLC ? 1 : 2;
        if (outputShape[0] != input.dim(0)) {
            throw new IllegalArgumentException(KERNEL + ": input and out_backprop must have the same batch size. Input "
                    + "batch: " + outputShape[0] + ", outbackprop batch: " + input.dim(0) + ", batch_dim: 0 "
                    + "(output_shape " + Arrays.toString(outputShape) + ", input shape "
                    + Arrays.toString(input.shape()) + ")");
        }
        int outChannels = outputShape[channelAxis];
        int filterOutChannels = filters.dim(1);
        if (filterOutChannels > 0 && outChannels % filterOutChannels != 0) {
            throw new IllegalArgumentException(KERNEL + ": input depth must be evenly divisible by filter depth "
                    + "(output_shape channels " + outChannels + ", filters output_channels " + filterOutChannels + ")");
        }
        if (outChannels != filterOutChannels) {
            throw new IllegalArgumentException("conv1d_transpose has no groups: output_shape channels (" + outChannels
                    + ") must equal the filters' output_channels (" + filterOutChannels + ")");
        }
        if (filters.dim(2) != input.dim(channelAxis)) {
            throw new IllegalArgumentException(KERNEL + ": filter and out_backprop must have the same out_depth "
                    + "(filters in_channels " + filters.dim(2) + ", input channels " + input.dim(channelAxis)
                    + "; filters shape " + Arrays.toString(filters.shape()) + ", input shape "
                    + Arrays.toString(input.shape()) + ")");
        }
        int inputLength = input.dim(widthAxis);
        int kernelSize = filters.dim(0);
        int outputLength = outputShape[widthAxis];
        requireForwardConvolutionGivesBack(mode, inputLength, outputLength, kernelSize, strides, dilations);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(strides).padding(mode)
                .dilation(dilations).layout(layout).outputSize(outputLength).build();
        return new CoreCall(input, Weights.fromTensorFlow(filters), null, params);
    }

    /**
     * TensorFlow's shape check: the forward convolution of {@code outputLength} positions with these
     * settings (TensorFlow's GetWindowedOutputSize) must have {@code inputLength} positions.
     */
    private static void requireForwardConvolutionGivesBack(Padding mode, int inputLength, int outputLength,
            int kernelSize, int stride, int dilation) {
        if (inputLength < 1 || kernelSize < 1) {
            return; // an empty input or kernel: the core names the zero dimension
        }
        long effectiveKernel = (long) dilation * (kernelSize - 1) + 1;
        // Integer division truncating toward zero, as in TensorFlow's C++.
        long computed = mode.equals(Padding.SAME) ? (outputLength + (long) stride - 1) / stride
                : (outputLength - effectiveKernel + stride) / stride;
        if (computed < 0) {
            throw new IllegalArgumentException("Computed output size would be negative: " + computed + " [input_size: "
                    + outputLength + ", effective_filter_size: " + effectiveKernel + ", stride: " + stride
                    + "]" + widthHint(mode, inputLength, outputLength, kernelSize, stride, dilation));
        }
        if (computed != inputLength) {
            throw new IllegalArgumentException(KERNEL + ": Size of out_backprop doesn't match computed: actual = "
                    + inputLength + ", computed = " + computed + " spatial_dim: 2 input: " + outputLength + " filter: "
                    + kernelSize + " output: " + inputLength + " stride: " + stride + " dilation: " + dilation
                    + widthHint(mode, inputLength, outputLength, kernelSize, stride, dilation));
        }
    }

    /**
     * What TensorFlow's message leaves the reader to work out: the output widths it would accept, from the
     * core's lengths for the same padding mode.
     */
    private static String widthHint(Padding mode, int inputLength, int outputLength, int kernelSize, int stride,
            int dilation) {
        // The core's default length is the largest valid width for SAME and the smallest for VALID.
        int coreLength = ConvTranspose1dParams.builder().stride(stride).dilation(dilation).padding(mode).build()
                .outputLength(inputLength, kernelSize);
        int smallest = mode.equals(Padding.SAME) ? coreLength - stride + 1 : coreLength;
        return " (conv1d_transpose: output width " + outputLength + " is not valid for input width " + inputLength
                + " with padding " + name(mode) + "; output widths " + smallest + " to " + (smallest + stride - 1)
                + " are)";
    }

    private static String name(Padding mode) {
        return mode.equals(Padding.SAME) ? "SAME" : "VALID";
    }

    private static String describe(Tensor t) {
        return t == null ? "null" : "shape " + Arrays.toString(t.shape());
    }

    private static Layout layout(String dataFormat) {
        if (dataFormat == null || dataFormat.equals("NWC")) {
            return Layout.NLC;
        }
        if (dataFormat.equals("NCW")) {
            return Layout.NCL;
        }
        throw new IllegalArgumentException("`data_format` must be 'NWC' or 'NCW'. Received: data_format=" + dataFormat);
    }

    private static Padding padding(String padding) {
        if (padding == null || padding.equals("SAME")) {
            return Padding.SAME;
        }
        if (padding.equals("VALID")) {
            return Padding.VALID;
        }
        throw new IllegalArgumentException("Value for attr 'padding' of \"" + padding + "\" is not in the list of "
                + "allowed values: \"SAME\", \"VALID\" (tf.nn.conv1d_transpose takes no explicit paddings)");
    }
}
