package io.clconvt.compat;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;

/**
 * The core call a framework's arguments translate to: the input as given, the weight in the core's
 * (Cin, Cout / groups, K) layout, the bias or null, and {@link ConvTranspose1dParams} holding the
 * framework's padding, output length and layout in core terms. The front ends ({@link Paddle},
 * {@link TensorFlow}, {@link Torch}) build one after the framework's own validation; running it is the
 * only place the arithmetic happens, so every framework shares the core's definition.
 *
 * @param input the input tensor, in the layout {@code params.layout()} names
 * @param weight the (Cin, Cout / groups, K) weight
 * @param bias the (Cout) bias, or null
 * @param params the translated core parameters
 */
public record CoreCall(Tensor input, Tensor weight, Tensor bias, ConvTranspose1dParams params) {

    /** Computes the transposed convolution on {@code backend}. */
    public Tensor run(Backend backend) {
        if (backend == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        return backend.convTranspose1d(input, weight, bias, params);
    }

    /**
     * The shape {@link #run} returns, after the core's validation; lets a caller check a call before
     * opening a backend.
     *
     * @throws IllegalArgumentException as {@link ConvTranspose1dParams#outputShape} does
     */
    public int[] outputShape() {
        return params.outputShape(input, weight, bias);
    }
}
