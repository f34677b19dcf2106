package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused epilogue: every activation on every kernel variant against the CPU, and the CPU's definition.
 *
 * <p>Each (variant, activation, shape) is a program on the specialised variants. The default build runs
 * every shape with every activation on the direct kernel, and each specialised variant meets every
 * activation on one of the three shapes, the shape turning over with the activation and the variant (so
 * that every shape meets every activation on some specialised variant); the exhaustive profile
 * ({@link TestScope}) runs every shape on every variant.
 */
public class ActivationTest {
    public static final List<Activation> ACTIVATIONS = List.of(Activation.NONE, Activation.RELU,
            Activation.leakyRelu(0.1), Activation.leakyRelu(-2.5), Activation.TANH, Activation.SILU);
    private static final KernelVariant[] VARIANTS = {
        KernelVariant.DIRECT, KernelVariant.PHASE, KernelVariant.TILED, KernelVariant.ROWS, KernelVariant.GEMM};
    private static final Map<KernelVariant, Backend> OPEN_CL = new EnumMap<>(KernelVariant.class);

    @AfterAll
    static void close() {
        OPEN_CL.values().forEach(Backend::close);
        OPEN_CL.clear();
    }

    record Case(KernelVariant variant, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
    }

    /**
     * Three shapes that exercise each variant's store paths: dense NCL FLOAT32 with bias (vector tiles),
     * grouped NLC FLOAT64 with a tile remainder, and depthwise dilated FLOAT32 without bias. Inputs span
     * [-3, 3] so that tanh and SILU are evaluated off their linear range.
     */
    static Stream<Named<Case>> cases() {
        List<Named<Case>> cases = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(77);
        for (KernelVariant variant : VARIANTS) {
            for (Activation activation : ACTIVATIONS) {
                int first = cases.size();
                cases.add(named(variant, TestTensors.random(random, DType.FLOAT32, 3, 1, 6, 11),
                        TestTensors.random(random, DType.FLOAT32, 3, 6, 10, 4),
                        TestTensors.random(random, DType.FLOAT32, 3, 10),
                        ConvTranspose1dParams.builder().stride(2).padding(1).activation(activation).build()));
                cases.add(named(variant, TestTensors.random(random, DType.FLOAT64, 3, 2, 9, 4),
                        TestTensors.random(random, DType.FLOAT64, 3, 4, 5, 3),
                        TestTensors.random(random, DType.FLOAT64, 3, 10),
                        ConvTranspose1dParams.builder().stride(3).groups(2).layout(Layout.NLC)
                                .activation(activation).build()));
                cases.add(named(variant, TestTensors.random(random, DType.FLOAT32, 3, 1, 4, 13),
                        TestTensors.random(random, DType.FLOAT32, 3, 4, 1, 3), null,
                        ConvTranspose1dParams.builder().stride(2).dilation(2).groups(4).padding(Padding.SAME)
                                .activation(activation).build()));
                // Drawn above in every scope, so that the default build's cases are the exhaustive profile's.
                int shapes = cases.size() - first;
                for (int shape = shapes - 1; shape >= 0; shape--) {
                    if (variant != KernelVariant.DIRECT && !TestScope.rotation(ACTIVATIONS.indexOf(activation)
                            + variant.ordinal(), shape, shapes)) {
                        cases.remove(first + shape);
                    }
                }
            }
        }
        return cases.stream();
    }

    private static Named<Case> named(KernelVariant variant, Tensor x, Tensor w, Tensor b, ConvTranspose1dParams p) {
        return Named.of(variant + " " + p.activation() + " " + x, new Case(variant, x, w, b, p));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyVariantAppliesTheActivationAsTheCpuDoes(Case c) {
        Backend openCl = OPEN_CL.computeIfAbsent(c.variant(), OpenClSupport::backend);
        try (Backend cpu = Backends.cpu()) {
            Tensor expected = cpu.convTranspose1d(c.x(), c.weight(), c.bias(), c.params());
            Tensor actual = openCl.convTranspose1d(c.x(), c.weight(), c.bias(), c.params());
            Accuracy.assertClose(actual, expected, c.x(), c.weight(), c.bias(), c.params(), c.variant() + " vs CPU");
        }
    }

    /** The CPU applies f in double to the double sum with the bias, then rounds once. */
    @Test
    void cpuAppliesTheDefinitionToTheBiasedSum() {
        SplittableRandom random = new SplittableRandom(5);
        Tensor x = TestTensors.random(random, DType.FLOAT32, 3, 2, 3, 9);
        Tensor w = TestTensors.random(random, DType.FLOAT32, 3, 3, 4, 5);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 3, 4);
        ConvTranspose1dParams plain = ConvTranspose1dParams.builder().stride(2).build();
        try (Backend cpu = Backends.cpu()) {
            double[] sums = cpu.convTranspose1d(TestTensors.widen(x), TestTensors.widen(w), TestTensors.widen(b), plain)
                    .toDoubleArray();
            for (Activation activation : ACTIVATIONS) {
                float[] fused = cpu.convTranspose1d(x, w, b, plain.toBuilder().activation(activation).build())
                        .toFloatArray();
                for (int i = 0; i < sums.length; i++) {
                    assertEquals((float) expected(activation, sums[i]), fused[i], activation + " at " + i);
                }
            }
        }
    }

    /** The formulas, written independently of Activation.apply. */
    private static double expected(Activation activation, double v) {
        if (activation.equals(Activation.NONE)) {
            return v;
        }
        if (activation.equals(Activation.RELU)) {
            return Math.max(v, 0);
        }
        if (activation.equals(Activation.TANH)) {
            return Math.tanh(v);
        }
        if (activation.equals(Activation.SILU)) {
            return v * (1 / (1 + Math.exp(-v)));
        }
        return v >= 0 ? v : activation.slope() * v;
    }

    @Test
    void nanStaysNanUnderEveryActivation() {
        Tensor x = Tensor.of(new float[] {Float.NaN, 1}, 1, 1, 2);
        Tensor w = Tensor.of(new float[] {1}, 1, 1, 1);
        try (Backend cpu = Backends.cpu()) {
            for (Activation activation : ACTIVATIONS) {
                float[] y = cpu.convTranspose1d(x, w, null,
                        ConvTranspose1dParams.builder().activation(activation).build()).toFloatArray();
                assertTrue(Float.isNaN(y[0]), activation + " gave " + y[0]);
            }
        }
    }

    /**
     * NaN, the infinities and negatives through every activation on every variant, against the formulas (the test
     * above checks NaN on the CPU only): ReLU must give 0 for -inf, not -inf * 0, and NONE must leave every value
     * as it is. Sixteen output channels of weight 1 put each value through the vector tiles' stores.
     */
    @Test
    void specialValuesGoThroughEveryActivationOnEveryVariantAsTheirFormulasSay() {
        float[] values = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -3, 2, -0.5f};
        Tensor x = Tensor.of(values, 1, 1, values.length);
        float[] ones = new float[16];
        Arrays.fill(ones, 1);
        Tensor w = Tensor.of(ones, 1, 16, 1);
        for (KernelVariant variant : VARIANTS) {
            Backend openCl = OPEN_CL.computeIfAbsent(variant, OpenClSupport::backend);
            for (Activation activation : ACTIVATIONS) {
                float[] y = openCl.convTranspose1d(x, w, null, ConvTranspose1dParams.builder().activation(activation)
                        .build()).toFloatArray();
                for (int c = 0; c < 16; c++) {
                    for (int i = 0; i < values.length; i++) {
                        float expected = (float) expected(activation, values[i]);
                        float actual = y[c * values.length + i];
                        assertTrue(Float.isNaN(expected) ? Float.isNaN(actual)
                                        : expected == actual || Math.abs(expected - actual) <= 1e-6f * Math.abs(expected),
                                variant + " " + activation + " of " + values[i] + ": expected " + expected + ", got "
                                        + actual + " (channel " + c + ")");
                    }
                }
            }
        }
    }

    @Test
    void valueSemanticsAndValidation() {
        assertEquals(Activation.leakyRelu(0.1), Activation.leakyRelu(0.1));
        assertEquals(Activation.leakyRelu(0.1).hashCode(), Activation.leakyRelu(0.1).hashCode());
        assertNotEquals(Activation.leakyRelu(0.1), Activation.leakyRelu(0.2));
        assertNotEquals(Activation.RELU, Activation.leakyRelu(0));
        assertEquals("LEAKY_RELU(0.1)", Activation.leakyRelu(0.1).toString());
        assertEquals("SILU", Activation.SILU.toString());
        assertThrows(IllegalArgumentException.class, () -> Activation.leakyRelu(Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> ConvTranspose1dParams.builder().activation(null).build());
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().activation(Activation.TANH).build();
        assertEquals(Activation.TANH, params.toBuilder().build().activation());
        assertNotEquals(params, ConvTranspose1dParams.builder().build());
        assertTrue(params.toString().contains("activation=TANH"), params.toString());
        assertEquals(Activation.NONE, ConvTranspose1dParams.builder().build().activation());
    }
}
