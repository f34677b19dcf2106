package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Special values and long reductions on every kernel variant against the CPU reference.
 *
 * <p>The special-value cases are a program each on the phase, tiled and gemm variants (dtype, layout and
 * activation are build options). The default build runs all of them on the direct kernel, whose programs
 * depend on the dtype and activation only, and on each specialised variant every dtype once, the layout and
 * activation turning over so that each variant meets both layouts and both activations, in each pairing;
 * the exhaustive profile ({@link TestScope}) runs every case on every variant.
 */
class NumericsTest {
    private static final Map<KernelVariant, Backend> OPEN_CL = new EnumMap<>(KernelVariant.class);

    @AfterAll
    static void close() {
        OPEN_CL.values().forEach(Backend::close);
        OPEN_CL.clear();
    }

    private static Backend openCl(KernelVariant variant) {
        return OPEN_CL.computeIfAbsent(variant, OpenClSupport::backend);
    }

    /**
     * NaN, +Inf and -Inf inputs reach exactly the outputs the CPU says, as NaN or the same infinity
     * (+Inf and -Inf meeting in one output give NaN); every other output stays within tolerance. Weights
     * are finite and non-zero, so 0 * Inf never arises on either side.
     */
    @ParameterizedTest
    @EnumSource(value = KernelVariant.class, names = {"DIRECT", "PHASE", "TILED", "GEMM"})
    void nanAndInfinityPropagateAsOnTheCpu(KernelVariant variant) {
        SplittableRandom random = new SplittableRandom(9);
        int checked = 0;
        for (DType dtype : DType.values()) {
            for (Layout layout : Layout.values()) {
                // Drawn for every case, so that the default build's cases are the exhaustive profile's.
                double[] x = TestTensors.random(random, DType.FLOAT64, 1, 2, 12, 20).toDoubleArray();
                x[3] = Double.NaN;
                x[40] = Double.POSITIVE_INFINITY;
                x[41] = Double.NEGATIVE_INFINITY;   // next to +Inf: some outputs see both
                x[100] = Double.NEGATIVE_INFINITY;
                x[300] = Double.POSITIVE_INFINITY;
                int[] shape = layout == Layout.NCL ? new int[] {2, 12, 20} : new int[] {2, 20, 12};
                Tensor input = TestTensors.of(dtype, x, shape);
                Tensor weight = TestTensors.random(random, dtype, 1, 12, 10, 5);
                Tensor bias = TestTensors.random(random, dtype, 1, 10);
                Activation[] activations = {Activation.NONE, Activation.SILU};
                for (int a = 0; a < activations.length; a++) {
                    if (!runsSpecialValues(variant, dtype, layout, a)) {
                        continue;
                    }
                    checked++;
                    Activation activation = activations[a];
                    ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1)
                            .layout(layout).activation(activation).build();
                    check(variant, input, weight, bias, params, dtype + " " + layout + " " + activation);
                }
            }
        }
        assertTrue(checked >= DType.values().length, variant + ": " + checked + " cases checked");
    }

    /**
     * Whether the default build runs the special-value case ({@code dtype}, {@code layout}, activation
     * number {@code activation}) on {@code variant}: every case on the direct kernel; on another variant
     * each dtype once, its layout and activation turning over with the dtype and the variant, so that the
     * dtypes in order meet (NCL, none), (NLC, none), (NCL, SILU), (NLC, SILU), shifted by the variant.
     */
    private static boolean runsSpecialValues(KernelVariant variant, DType dtype, Layout layout, int activation) {
        if (variant == KernelVariant.DIRECT || TestScope.exhaustive()) {
            return true;
        }
        int d = dtype.ordinal();
        int v = variant.ordinal();
        return layout.ordinal() == (d + v) % 2 && activation == (d / 2 + v) % 2;
    }

    /**
     * R = Cin * K = 25,000 * 4 = 100,000 products per output in FLOAT32, against the FLOAT64 CPU result of
     * the same values: within the documented bound 2 * gamma(R + 1) * S + 2 * u * |y| (u = 2^-24). The
     * values are positive, so S = |y| and the bound is a relative one (about 1.2%) that a dropped block of
     * channels or a mis-indexed tap would break.
     */
    @ParameterizedTest
    @EnumSource(value = KernelVariant.class, names = {"DIRECT", "PHASE", "TILED", "GEMM"})
    void aHundredThousandTermReductionInFloat32StaysWithinTheBound(KernelVariant variant) {
        SplittableRandom random = new SplittableRandom(1);
        int inChannels = 25_000;
        Tensor x = positive(random, inChannels, 6);
        Tensor weight = positive(random, inChannels, 3, 4);
        Tensor bias = positive(random, 3);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().build();
        Tensor actual = openCl(variant).convTranspose1d(x, weight, bias, params);
        Tensor exact;
        try (Backend cpu = Backends.cpu()) {
            exact = cpu.convTranspose1d(TestTensors.widen(x), TestTensors.widen(weight), TestTensors.widen(bias),
                    params);
        }
        Accuracy.assertClose(actual, Tensor.of(exact.toFloatArray(), exact.shape()), x, weight, bias, params,
                variant + " FLOAT32 vs FLOAT64 CPU");
    }

    private static void check(KernelVariant variant, Tensor x, Tensor w, Tensor b, ConvTranspose1dParams params,
            String label) {
        Tensor expected;
        try (Backend cpu = Backends.cpu()) {
            expected = cpu.convTranspose1d(x, w, b, params);
        }
        double[] values = expected.toDoubleArray();
        assertTrue(Arrays.stream(values).anyMatch(Double::isNaN), label + ": the case must produce a NaN");
        assertTrue(Arrays.stream(values).anyMatch(Double::isInfinite), label + ": and an infinity");
        Tensor actual = openCl(variant).convTranspose1d(x, w, b, params);
        Accuracy.assertClose(actual, expected, x, w, b, params, variant + " " + label);
    }

    /** FLOAT32 values uniform in [0.5, 1). */
    private static Tensor positive(SplittableRandom random, int... shape) {
        double[] values = TestTensors.random(random, DType.FLOAT64, 0.25, shape).toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] += 0.75;
        }
        return TestTensors.of(DType.FLOAT32, values, shape);
    }
}
