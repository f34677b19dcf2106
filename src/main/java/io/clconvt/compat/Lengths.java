package io.clconvt.compat;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Padding;

/** Output lengths the front ends need for their own checks and messages, taken from the core. */
final class Lengths {
    private Lengths() {
    }

    /**
     * The length of the full transposed convolution, {@code (Lin - 1) * stride + dilation * (K - 1) + 1},
     * as the core computes it for VALID padding. Explicit padding removes positions from this, so a
     * front end subtracts its padding to get a framework's "inferred" length even where that is below 1
     * (which the core would refuse to compute, but a framework may still rescue with an output size).
     *
     * @throws IllegalArgumentException if a value is below 1
     */
    static long full(int inputLength, int kernelSize, int stride, int dilation) {
        return ConvTranspose1dParams.builder().stride(stride).dilation(dilation).padding(Padding.VALID).build()
                .outputLength(inputLength, kernelSize);
    }
}
