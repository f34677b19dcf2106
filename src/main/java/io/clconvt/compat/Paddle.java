package io.clconvt.compat;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * PaddlePaddle's {@code paddle.nn.functional.conv1d_transpose}, argument for argument, with Paddle's
 * rules and error messages.
 *
 * <p>x is (N, Cin, L) for data format "NCL" or (N, L, Cin) for "NLC" (rank 3 only: Paddle has no
 * unbatched form); the weight is (Cin, Cout / groups, K) like the core's; the bias is (Cout). With
 * ek = dilation * (K - 1) + 1, Paddle's inferred length is
 * {@code L' = (Lin - 1) * stride - padLeft - padRight + ek}, and the output has {@code L' + output_padding}
 * positions or, with an output size, any length in [L', L' + stride). The paddings come from:
 * <ul>
 *   <li>an int p, or {@code int[] {p}}: p on both sides; {@code int[] {l, r}}: l on the left, r on the right;</li>
 *   <li>"VALID" (any case): no padding;</li>
 *   <li>"SAME" (any case): Paddle's rule, which pads as a forward convolution of the input would:
 *       {@code n = ceil(Lin / stride)}, {@code padSum = max((n - 1) * stride + K - Lin, 0)},
 *       {@code padLeft = padSum / 2}, {@code padRight = padSum - padLeft}, and dilation is forced to 1.
 *       So {@code L' = (Lin - 1) * stride - padSum + K}, which is {@code Lin * stride} only when stride
 *       divides Lin and K is at least stride (e.g. Lin 5, stride 2, K 3 gives 9, not 10).</li>
 * </ul>
 * Paddle's checks: padding must not be negative; output_size and a non-zero output_padding exclude each
 * other; output_padding may not exceed stride and must be below max(stride, dilation), the dilation
 * being 1 under SAME; the channels must divide by groups. Each failure throws
 * {@link IllegalArgumentException} with Paddle's message.
 */
public final class Paddle {
    private Paddle() {
    }

    /**
     * Computes {@code paddle.nn.functional.conv1d_transpose(x, weight, bias, stride, padding,
     * output_padding, groups, dilation, output_size, data_format)} on {@code backend}; see
     * {@link #translate} for the arguments.
     *
     * @throws IllegalArgumentException with Paddle's message where Paddle raises an error
     */
    public static Tensor conv1dTranspose(Backend backend, Tensor x, Tensor weight, Tensor bias, int stride,
            Object padding, int outputPadding, int groups, int dilation, Integer outputSize, String dataFormat) {
        return translate(x, weight, bias, stride, padding, outputPadding, groups, dilation, outputSize, dataFormat)
                .run(backend);
    }

    /**
     * Validates Paddle's arguments as Paddle does and translates them into the core call that computes
     * Paddle's result: explicit (padLeft, padRight) from the padding rule in the class description, the
     * dilation (1 under SAME), and the output padding or output size.
     *
     * @param x (N, Cin, L) for "NCL", (N, L, Cin) for "NLC"
     * @param weight (Cin, Cout / groups, K)
     * @param bias (Cout), or null
     * @param padding an {@code Integer}, an {@code int[]} of one or two values, "SAME" or "VALID" in any
     *     case; null means Paddle's default 0
     * @param outputSize the output length, or null
     * @param dataFormat "NCL" or "NLC" (exactly, as Paddle compares them); null means Paddle's default "NCL"
     * @throws IllegalArgumentException with Paddle's message where Paddle raises an error
     */
    public static CoreCall translate(Tensor x, Tensor weight, Tensor bias, int stride, Object padding,
            int outputPadding, int groups, int dilation, Integer outputSize, String dataFormat) {
        Layout layout = layout(dataFormat);
        if (x == null || weight == null) {
            throw new IllegalArgumentException((x == null ? "x" : "weight") + " must not be null");
        }
        // The checks run in the order Paddle's Python wrapper, then its C++ shape inference, runs them.
        if (x.rank() != 3) {
            throw new IllegalArgumentException("Input x should be 3D tensor, but received x with the shape of "
                    + Arrays.toString(x.shape()));
        }
        if (groups == 0) {
            throw new IllegalArgumentException("The groups of conv1d_transpose should not be zero.");
        }
        if (groups < 0) {
            throw new IllegalArgumentException("The groups of conv1d_transpose should be larger than 0, but received "
                    + "groups is " + groups + ".");
        }
        int channels = x.dim(layout == Layout.NLC ? 2 : 1);
        if (channels % groups != 0) {
            throw new IllegalArgumentException("the channel of input must be divisible by groups,received: the channel "
                    + "of input is " + channels + ", the shape of input is " + Arrays.toString(x.shape())
                    + ", the groups is " + groups);
        }
        RequestedPadding requested = RequestedPadding.parse(padding);
        if (outputSize != null && outputPadding != 0) {
            throw new IllegalArgumentException("output_padding option is mutually exclusive with output_size");
        }
        if (outputPadding != 0 && outputPadding > stride) {
            throw new IllegalArgumentException("The size of output_padding should not be greater than stride.But got "
                    + "output_padding=" + outputPadding + " and stride=" + stride);
        }
        if (weight.rank() != 3) {
            throw new IllegalArgumentException("Input weight should be 3D tensor, but received weight with "
                    + "the shape of " + Arrays.toString(weight.shape()));
        }
        if (stride <= 0) {
            throw new IllegalArgumentException("The stride of Op(Conv) should be larger than 0, but received stride is "
                    + stride + ".");
        }
        if (weight.dim(0) != channels) {
            throw new IllegalArgumentException("The number of input channels should be equal to filter channels for "
                    + "Op(conv_transpose). But received: the input's channels is [" + channels + "], the shape of "
                    + "input is " + Arrays.toString(x.shape()) + ", the filter's channels is [" + weight.dim(0)
                    + "], the shape of filter is " + Arrays.toString(weight.shape()) + ". The data_format is "
                    + layout + ". The error may come from wrong data_format setting.");
        }
        int inputLength = x.dim(layout == Layout.NLC ? 1 : 2);
        int kernelSize = weight.dim(2);
        int padLeft;
        int padRight;
        int effectiveDilation = dilation;
        switch (requested.kind()) {
            case SAME -> {
                // Paddle pads as the forward convolution of the *input* would, with the undilated kernel.
                long steps = (inputLength + (long) stride - 1) / stride;
                long padSum = Math.max((steps - 1) * stride + kernelSize - inputLength, 0);
                padLeft = (int) (padSum / 2);
                padRight = (int) (padSum - padLeft);
                effectiveDilation = 1;
            }
            case VALID -> {
                padLeft = 0;
                padRight = 0;
            }
            default -> {
                padLeft = requested.left();
                padRight = requested.right();
            }
        }
        if (effectiveDilation <= 0) {
            throw new IllegalArgumentException("The dilation of Op(conv_transpose) should be larger than 0, "
                    + "but received dilation is " + effectiveDilation + ".");
        }
        ConvTranspose1dParams.Builder params = ConvTranspose1dParams.builder().stride(stride)
                .padding(Padding.of(padLeft, padRight)).dilation(effectiveDilation).groups(groups).layout(layout);
        if (outputSize != null) {
            long inferred = Lengths.full(inputLength, kernelSize, stride, effectiveDilation) - padLeft - padRight;
            if (outputSize < inferred) {
                throw new IllegalArgumentException("output_size of Op(ConvTransposeOp) should not be less than the "
                        + "inferred output size. But received output_size = [" + outputSize + "], whose dim 0 is "
                        + "less than the inferred output size [" + inferred + "]");
            }
            if (outputSize >= inferred + stride) {
                throw new IllegalArgumentException("output_size of Op(ConvTransposeOp) should be less than inferred "
                        + "size + stride. But received output_size = [" + outputSize + "], whose dim 0 is not less "
                        + "than the inferred output size (" + inferred + ") + stride (" + stride + ") = "
                        + (inferred + stride));
            }
            params.outputSize(outputSize);
        } else {
            if (outputPadding < 0) {
                throw new IllegalArgumentException("output_padding of Op(ConvTransposeOp) should not be less "
                        + "than the 0. But received output_padding = [" + outputPadding + "], whose dim 0 is less "
                        + "than 0");
            }
            if (outputPadding >= Math.max(stride, effectiveDilation)) {
                throw new IllegalArgumentException("output_padding of Op(ConvTransposeOp) should be less than either "
                        + "stride or dilation. But received output_padding = [" + outputPadding + "], whose dim 0 "
                        + "is not less than either stride (" + stride + ") or dilation (" + effectiveDilation + ")");
            }
            params.outputPadding(outputPadding);
        }
        return new CoreCall(x, weight, bias, params.build());
    }

    private static Layout layout(String dataFormat) {
        if (dataFormat == null || dataFormat.equals("NCL")) {
            return Layout.NCL;
        }
        if (dataFormat.equals("NLC")) {
            return Layout.NLC;
        }
        throw new IllegalArgumentException("Attr(data_format) of conv2d_transpose got wrong value: received "
                + dataFormat + ", but only 'NCL' or 'NLC' are supported.");
    }

    /** Paddle's padding argument after parsing: SAME, VALID, or explicit amounts per side. */
    private record RequestedPadding(Kind kind, int left, int right) {
        enum Kind { SAME, VALID, EXPLICIT }

        static RequestedPadding parse(Object padding) {
            if (padding == null) {
                return new RequestedPadding(Kind.EXPLICIT, 0, 0);
            }
            if (padding instanceof String text) {
                String mode = text.toUpperCase(Locale.ROOT);
                return switch (mode) {
                    case "SAME" -> new RequestedPadding(Kind.SAME, 0, 0);
                    case "VALID" -> new RequestedPadding(Kind.VALID, 0, 0);
                    default -> throw new IllegalArgumentException("Unknown padding: '" + mode
                            + "'. It can only be 'SAME' or 'VALID'.");
                };
            }
            if (padding instanceof Integer both) {
                return explicit(both, both, new int[] {both});
            }
            if (padding instanceof int[] amounts) {
                if (amounts.length == 1) {
                    return explicit(amounts[0], amounts[0], amounts);
                }
                if (amounts.length == 2) {
                    // Paddle folds a symmetric pair to one value before checking its sign.
                    int[] shown = amounts[0] == amounts[1] ? new int[] {amounts[0]} : amounts;
                    return explicit(amounts[0], amounts[1], shown);
                }
                throw new IllegalArgumentException("Invalid padding: " + Arrays.toString(amounts)
                        + ". It should be [pad] or [pad_left, pad_right].");
            }
            throw new IllegalArgumentException("padding must be an int, an int[] of one or two values, or 'SAME' or "
                    + "'VALID', got " + padding.getClass().getSimpleName() + " " + padding);
        }

        private static RequestedPadding explicit(int left, int right, int[] shown) {
            if (left < 0 || right < 0) {
                throw new IllegalArgumentException("Invalid padding, all value should be larger than or "
                        + "equal to 0, but received: " + Arrays.toString(shown));
            }
            return new RequestedPadding(Kind.EXPLICIT, left, right);
        }
    }
}
