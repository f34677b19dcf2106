package io.clconvt.internal;

import io.clconvt.DType;
import io.clconvt.Layout;

/**
 * One weight-gradient correlation, the operation behind the weight gradients of both Conv1d and
 * ConvTranspose1d:
 *
 * <pre>
 * G[c1, c2l, k] = sum_n sum_{a < aLength} A[n, c1, a] * B[n, group(c1) * bGroup + c2l, a * stride + k * dilation - padLeft]
 * </pre>
 *
 * with group(c1) = c1 / (aChannels / groups), bGroup = bChannels / groups, and B positions outside
 * [0, bLength) skipped. A is (batch, aChannels, aLength) and B (batch, bChannels, bLength), both NCL or
 * both NLC as {@code layout} says, both of {@code dtype}; G is (aChannels, bGroup, K), contiguous, of
 * {@code dtype}.
 *
 * <p>ConvTranspose1d's weight gradient has A = x, B = gradOutput and padLeft the layer's left padding;
 * Conv1d's has A = gradOutput, B = the (padded, for non-zero padding modes) input and padLeft the left
 * zero padding.
 *
 * @throws IllegalArgumentException naming the offending parameter and values
 */
public record WeightGradientProblem(
        DType dtype,
        Layout layout,
        int batch,
        int aChannels,
        int aLength,
        int bChannels,
        int bLength,
        int groups,
        int kernelSize,
        int stride,
        int dilation,
        int padLeft) {

    public WeightGradientProblem {
        Validation.requireNonNull("dtype", dtype);
        Validation.requireNonNull("layout", layout);
        Validation.requirePositive("batch", batch);
        Validation.requirePositive("aChannels", aChannels);
        Validation.requirePositive("aLength", aLength);
        Validation.requirePositive("bChannels", bChannels);
        Validation.requirePositive("bLength", bLength);
        Validation.requirePositive("groups", groups);
        Validation.requirePositive("kernelSize", kernelSize);
        Validation.requirePositive("stride", stride);
        Validation.requirePositive("dilation", dilation);
        Validation.requireNonNegative("padLeft", padLeft);
        if (aChannels % groups != 0 || bChannels % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide aChannels (" + aChannels
                    + ") and bChannels (" + bChannels + ")");
        }
        long elements = (long) aChannels * (bChannels / groups) * kernelSize;
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the weight gradient would have " + elements + " elements (aChannels "
                    + aChannels + " x bChannels/groups " + bChannels / groups + " x kernelSize " + kernelSize
                    + "), more than " + Integer.MAX_VALUE);
        }
        // The kernels compute a tap's offset k * dilation - padLeft in 32 bits.
        if ((long) (kernelSize - 1) * dilation > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("(kernelSize - 1) x dilation = " + (kernelSize - 1) + " x " + dilation
                    + " does not fit in an int");
        }
    }

    /** Channels of B per group: G's second dimension. */
    public int bGroupChannels() {
        return bChannels / groups;
    }

    /** Channels of A per group. */
    public int aGroupChannels() {
        return aChannels / groups;
    }

    /** Elements of G, aChannels x bChannels/groups x K (at most Integer.MAX_VALUE, checked on creation). */
    public int outputElements() {
        return aChannels * bGroupChannels() * kernelSize;
    }

    /** G's shape: {aChannels, bChannels / groups, K}. */
    public int[] outputShape() {
        return new int[] {aChannels, bGroupChannels(), kernelSize};
    }

    /** R, the number of products each element of G sums: batch x aLength. */
    public long reductionLength() {
        return (long) batch * aLength;
    }
}
