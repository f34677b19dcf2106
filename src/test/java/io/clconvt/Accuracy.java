package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

/**
 * Compares a result with a reference under the classic floating-point bound for a sum of products:
 * each output is a reduction of at most R = (Cin / groups) * ceil(K / (stride / gcd(stride, dilation)))
 * products plus the bias, so any correct summation order is within gamma(R + 1) * S of the exact value,
 * where S is the same sum over absolute values and gamma(n) = n * u / (1 - n * u) with u the dtype's unit
 * roundoff. Both sides may carry that error and a rounding of their own, hence
 * {@code |a - b| <= 2 * gamma(R + 1) * S + 2 * u * |b|} per element. The bound grows with the reduction
 * length and is exact arithmetic's guarantee, so a failure is a bug, not noise.
 */
final class Accuracy {
    private Accuracy() {
    }

    static double unitRoundoff(DType dtype) {
        return dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
    }

    /** The most products any one output sums. */
    static int reductionLength(ConvTranspose1dParams params, int inChannels, int kernelSize) {
        int tapStep = params.stride() / ConvTranspose1dKernel.gcd(params.stride(), params.dilation());
        return inChannels / params.groups() * ((kernelSize + tapStep - 1) / tapStep);
    }

    /** Asserts {@code actual} matches {@code reference} within the bound for the call that produced them. */
    static void assertClose(Tensor actual, Tensor reference, Tensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params, String label) {
        assertEquals(reference.dtype(), actual.dtype(), label + ": dtype");
        assertArrayEquals(reference.shape(), actual.shape(), label + ": shape");
        int inChannels = weight.shape()[0];
        int kernelSize = weight.shape()[2];
        double u = unitRoundoff(reference.dtype());
        int terms = reductionLength(params, inChannels, kernelSize) + 1;
        double gamma = terms * u / (1 - terms * u);
        double[] magnitude = absoluteSums(x, weight, bias, params);
        double[] a = actual.toDoubleArray();
        double[] b = reference.toDoubleArray();
        int worst = -1;
        double worstRatio = 0;
        for (int e = 0; e < a.length; e++) {
            double allowed = 2 * gamma * magnitude[e] + 2 * u * Math.abs(b[e]);
            double error = Math.abs(a[e] - b[e]);
            double ratio = error == 0 ? 0 : (allowed == 0 ? Double.POSITIVE_INFINITY : error / allowed);
            if (Double.isNaN(error)) {
                ratio = Double.POSITIVE_INFINITY; // an unwritten (poisoned) or corrupted element
            }
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = e;
            }
        }
        if (worstRatio > 1) {
            fail(String.format("%s: element %d of shape %s is %s, expected %s (|diff| %.3e > allowed %.3e;"
                            + " reduction length %d)", label, worst, Arrays.toString(reference.shape()), a[worst],
                    b[worst], Math.abs(a[worst] - b[worst]),
                    2 * gamma * magnitude[worst] + 2 * u * Math.abs(b[worst]), terms - 1));
        }
    }

    /** S per output element: the same transposed convolution over |x|, |w| and |bias|, in double. */
    private static double[] absoluteSums(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        try (CpuBackend cpu = new CpuBackend()) {
            return cpu.convTranspose1d(absolute(x), absolute(weight), bias == null ? null : absolute(bias), params)
                    .toDoubleArray();
        }
    }

    private static Tensor absolute(Tensor t) {
        double[] values = t.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.abs(values[i]);
        }
        return Tensor.of(values, t.shape());
    }
}
