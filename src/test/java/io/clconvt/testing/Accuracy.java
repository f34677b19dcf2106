package io.clconvt.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.compat.CoreCall;
import io.clconvt.internal.Maths;
import io.clconvt.internal.cpu.CpuBackend;
import java.util.Arrays;

/**
 * Compares a result with a reference under the classic floating-point bound for a sum of products:
 * each output is a reduction of at most R = (Cin / groups) * ceil(K / (stride / gcd(stride, dilation)))
 * products plus the bias, so any correct summation order is within gamma(R + 1) * S of the exact value,
 * where S is the same sum over absolute values and gamma(n) = n * u / (1 - n * u) with u the dtype's unit
 * roundoff. Both sides may carry that error and a rounding of their own, hence
 * {@code |a - b| <= 2 * gamma(R + 1) * S + 2 * u * |b|} per element. The bound grows with the reduction
 * length and is exact arithmetic's guarantee, so a failure is a bug, not noise.
 *
 * <p>With an activation f the pre-activation error is carried through f's Lipschitz constant L (1 for
 * ReLU and tanh, max(1, |slope|) for leaky ReLU, 1.1 for SILU) and f's own evaluation adds a few units in
 * the last place: {@code |a - b| <= L * (2 * gamma(R + 1) * S + 2 * u * S) + 8 * u * |b|}, since S bounds the
 * pre-activation value. Non-finite references must be matched exactly: NaN by NaN, an infinity by the same
 * infinity.
 *
 * <p>FLOAT16 and BFLOAT16 are computed in FLOAT32 (u = 2^-24 above) and each side rounds its result once
 * more, to the storage type: by at most {@code v * |its unrounded value|} plus half the smallest subnormal
 * spacing {@code eta} (2^-25, resp. 2^-134), with v = 2^-11, resp. 2^-8. Each unrounded value is within the
 * FLOAT32 bound (call it E) and one such rounding of the reference, so the bound becomes
 * {@code E + 2 * v * (|b| + E) + 2 * eta}: the FLOAT32 bound plus one rounding of the output per side.
 *
 * <p>The front-end tests compare with references that may be wider than the result (the frameworks' FLOAT64
 * outputs), so there u is the result's dtype's, and they count every tap of the kernel, R = (Cin / groups) * K:
 * a looser R than the one above, kept so that those tests check what they always have.
 */
public final class Accuracy {
    private Accuracy() {
    }

    /** The unit roundoff of the arithmetic: FLOAT64's, or FLOAT32's for every other dtype. */
    public static double unitRoundoff(DType dtype) {
        return dtype == DType.FLOAT64 ? 0x1p-53 : 0x1p-24;
    }

    /** The unit roundoff of the 16-bit storage types (0 for the others, which store what they compute). */
    public static double storageRoundoff(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> 0x1p-11;
            case BFLOAT16 -> 0x1p-8;
            default -> 0;
        };
    }

    /** Half the smallest subnormal spacing of the 16-bit storage types: the absolute rounding error near 0. */
    public static double storageUnderflow(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> 0x1p-25;
            case BFLOAT16 -> 0x1p-134;
            default -> 0;
        };
    }

    /** The most products any one output sums. */
    public static int reductionLength(ConvTranspose1dParams params, int inChannels, int kernelSize) {
        int tapStep = params.stride() / Maths.gcd(params.stride(), params.dilation());
        return inChannels / params.groups() * ((kernelSize + tapStep - 1) / tapStep);
    }

    /** Asserts {@code actual} matches {@code reference} within the bound for the call that produced them. */
    public static void assertClose(Tensor actual, Tensor reference, Tensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params, String label) {
        assertEquals(reference.dtype(), actual.dtype(), label + ": dtype");
        int reductionLength = reductionLength(params, weight.shape()[0], weight.shape()[2]);
        assertWithinBound(actual, reference, x, weight, bias, params, reductionLength, label);
    }

    /**
     * Asserts a front end's {@code actual} result of {@code call} matches {@code reference}, which may be of a
     * wider dtype, within the bound for the result's dtype with every tap counted.
     */
    public static void assertClose(CoreCall call, Tensor actual, Tensor reference, String label) {
        Tensor weight = call.weight();
        int everyTap = weight.dim(0) / call.params().groups() * weight.dim(2);
        assertWithinBound(actual, reference, call.input(), weight, call.bias(), call.params(), everyTap, label);
    }

    private static void assertWithinBound(Tensor actual, Tensor reference, Tensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params, int reductionLength, String label) {
        assertWithinBound(actual, reference, absoluteSums(x, weight, bias, params), reductionLength,
                params.activation(), label);
    }

    /**
     * Asserts a convolution's {@code actual} result matches {@code reference} within the bound for a reduction
     * of Cin / groups x K products plus the bias.
     */
    public static void assertConv1dClose(Tensor actual, Tensor reference, Tensor x, Tensor weight, Tensor bias,
            Conv1dParams params, String label) {
        assertEquals(reference.dtype(), actual.dtype(), label + ": dtype");
        double[] magnitude;
        try (CpuBackend cpu = new CpuBackend()) {
            magnitude = cpu.conv1d(absolute(x), absolute(weight), bias == null ? null : absolute(bias),
                    params.toBuilder().activation(Activation.NONE).build()).toDoubleArray();
        }
        assertWithinBound(actual, reference, magnitude, weight.dim(1) * weight.dim(2), params.activation(), label);
    }

    /**
     * Asserts {@code actual}, one gradient, matches {@code reference} within the bound for sums of at most
     * {@code reductionLength} products, {@code magnitude} the same gradient computed from absolute values.
     */
    public static void assertGradientClose(Tensor actual, Tensor reference, Tensor magnitude, long reductionLength,
            String label) {
        assertEquals(reference.dtype(), actual.dtype(), label + ": dtype");
        assertWithinBound(actual, reference, magnitude.toDoubleArray(), Math.toIntExact(reductionLength),
                Activation.NONE, label);
    }

    /** {@code t} with every element replaced by its absolute value, in FLOAT64. */
    public static Tensor absolute(Tensor t) {
        double[] values = t.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.abs(values[i]);
        }
        return Tensor.of(values, t.shape());
    }

    private static void assertWithinBound(Tensor actual, Tensor reference, double[] magnitude, int reductionLength,
            Activation activation, String label) {
        assertArrayEquals(reference.shape(), actual.shape(), label + ": shape");
        double u = unitRoundoff(actual.dtype());
        double storage = storageRoundoff(actual.dtype());
        double underflow = storageUnderflow(actual.dtype());
        int terms = reductionLength + 1;
        double gamma = terms * u / (1 - terms * u);
        double[] a = actual.toDoubleArray();
        double[] b = reference.toDoubleArray();
        boolean activated = !activation.equals(Activation.NONE);
        double lipschitz = lipschitz(activation);
        int worst = -1;
        double worstRatio = 0;
        for (int e = 0; e < a.length; e++) {
            if (!Double.isFinite(b[e])) {
                if (!(Double.isNaN(b[e]) ? Double.isNaN(a[e]) : a[e] == b[e])) {
                    fail(String.format("%s: element %d of shape %s is %s, expected %s", label, e,
                            Arrays.toString(reference.shape()), a[e], b[e]));
                }
                continue;
            }
            double allowed = activated
                    ? lipschitz * (2 * gamma + 2 * u) * magnitude[e] + 8 * u * Math.abs(b[e])
                    : 2 * gamma * magnitude[e] + 2 * u * Math.abs(b[e]);
            allowed += 2 * storage * (Math.abs(b[e]) + allowed) + 2 * underflow;
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
            fail(String.format("%s: element %d of shape %s is %s, expected %s (|diff| %.3e is %.3g times the"
                            + " allowed error; reduction length %d, %s)", label, worst,
                    Arrays.toString(reference.shape()), a[worst], b[worst], Math.abs(a[worst] - b[worst]),
                    worstRatio, terms - 1, activation));
        }
    }

    /** A bound on |f'|; SILU's derivative peaks at about 1.0998. */
    private static double lipschitz(Activation activation) {
        if (activation.equals(Activation.SILU)) {
            return 1.1;
        }
        return Math.max(1, Math.abs(activation.slope()));
    }

    /** S per output element: the same transposed convolution over |x|, |w| and |bias|, in double. */
    private static double[] absoluteSums(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        try (CpuBackend cpu = new CpuBackend()) {
            return cpu.convTranspose1d(absolute(x), absolute(weight), bias == null ? null : absolute(bias),
                    params.toBuilder().activation(Activation.NONE).build()).toDoubleArray();
        }
    }
}
