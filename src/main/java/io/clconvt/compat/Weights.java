package io.clconvt.compat;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;
import java.util.Arrays;

/**
 * Weight layouts and output lengths for people porting layers between frameworks.
 *
 * <p>PyTorch and PaddlePaddle store a transposed convolution's weight as (Cin, Cout / groups, K), which
 * is the core's layout. TensorFlow's {@code tf.nn.conv1d_transpose} takes filters
 * (K, Cout, Cin) = [filter_width, output_channels, in_channels]: the same numbers with the first and
 * last axes swapped, {@code core[ci][co][k] = tf[k][co][ci]}, and no kernel flip, because both compute
 * the gradient of the same forward convolution.
 */
public final class Weights {
    private Weights() {
    }

    /**
     * Converts TensorFlow filters (K, Cout, Cin) to the core layout (Cin, Cout, K).
     *
     * @throws IllegalArgumentException if {@code filters} is null or not rank 3
     */
    public static Tensor fromTensorFlow(Tensor filters) {
        return swapFirstAndLastAxes("TensorFlow filters (K, Cout, Cin)", filters);
    }

    /**
     * Converts a core weight (Cin, Cout, K) to TensorFlow's filter layout (K, Cout, Cin). TensorFlow's
     * transposed convolution has no groups, so only a weight used with groups = 1 means the same there.
     *
     * @throws IllegalArgumentException if {@code weight} is null or not rank 3
     */
    public static Tensor toTensorFlow(Tensor weight) {
        return swapFirstAndLastAxes("weight (Cin, Cout, K)", weight);
    }

    /**
     * The output padding that makes a transposed convolution with {@code params} produce
     * {@code targetLength} positions from {@code inputLength}: {@code targetLength - L'}, where L' is
     * the length {@code params} give with output padding 0 ({@link ConvTranspose1dParams#outputLength}).
     * Decoders that must match an encoder's input length (codecs, U-Nets) need this; the result is
     * valid for {@link ConvTranspose1dParams.Builder#outputPadding} and PyTorch's or Paddle's
     * {@code output_padding}.
     *
     * @param params the layer's parameters; their own output padding is ignored, an output size is refused
     * @throws IllegalArgumentException if the target is below L' or needs an output padding of
     *     {@code max(stride, dilation)} or more, naming the reachable lengths; or if {@code params} set an
     *     output size, which already fixes the length
     */
    public static int outputPaddingFor(ConvTranspose1dParams params, int inputLength, int kernelSize,
            int targetLength) {
        if (params == null) {
            throw new IllegalArgumentException("params must not be null");
        }
        if (params.outputSize().isPresent()) {
            throw new IllegalArgumentException("params already fix the output length with outputSize "
                    + params.outputSize().getAsInt() + "; an output padding cannot change it");
        }
        int unpadded = params.toBuilder().outputPadding(0).build().outputLength(inputLength, kernelSize);
        int limit = Math.max(params.stride(), params.dilation());
        long needed = (long) targetLength - unpadded;
        if (needed < 0 || needed >= limit) {
            throw new IllegalArgumentException("target length " + targetLength + " cannot be reached from input length "
                    + inputLength + " with kernel size " + kernelSize + " and " + params
                    + ": output padding 0 to " + (limit - 1) + " gives lengths " + unpadded + " to "
                    + (unpadded + limit - 1));
        }
        return (int) needed;
    }

    /** (a, b, c) to (c, b, a): the TensorFlow conversion is its own inverse. */
    private static Tensor swapFirstAndLastAxes(String what, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (t.rank() != 3) {
            throw new IllegalArgumentException(what + " must have rank 3, got shape " + Arrays.toString(t.shape()));
        }
        int a = t.dim(0);
        int b = t.dim(1);
        int c = t.dim(2);
        // source[n] is the element of t that lands at position n of the (c, b, a) result.
        int[] source = new int[t.size()];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                for (int k = 0; k < c; k++) {
                    source[(k * b + j) * a + i] = (i * b + j) * c + k;
                }
            }
        }
        int[] swapped = {c, b, a};
        if (t.dtype() == DType.FLOAT32) {
            float[] from = t.toFloatArray();
            float[] to = new float[from.length];
            for (int n = 0; n < to.length; n++) {
                to[n] = from[source[n]];
            }
            return Tensor.of(to, swapped);
        }
        double[] from = t.toDoubleArray();
        double[] to = new double[from.length];
        for (int n = 0; n < to.length; n++) {
            to[n] = from[source[n]];
        }
        return Tensor.of(to, swapped).to(t.dtype()); // exact: the 16-bit values are doubles too
    }
}
