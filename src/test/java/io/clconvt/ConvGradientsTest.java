package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The backward passes of both operations: OpenCL against the CPU reference within the gamma bound of each
 * gradient's reduction (long reductions included), the CPU reference against finite differences of the
 * forward call in FLOAT64 (the loss {@code <forward(x, w), gy>} is linear in x and w, so a central difference
 * is exact up to rounding), NaN propagation and every refusal. PyTorch's autograd results are
 * {@code ConvGoldenCasesTest}'s.
 */
class ConvGradientsTest {
    /** The CPU reference and OpenCL with its outputs poisoned, opened once for the class. */
    private static final OpenClSupport.ClassBackends BACKENDS = new OpenClSupport.ClassBackends(true);
    private static final Backend CPU = BACKENDS.cpu();

    private static Backend openCl() {
        return BACKENDS.openCl();
    }

    @AfterAll
    static void close() {
        BACKENDS.close();
    }

    /** A backward call of either operation, with the forward call it differentiates. */
    private record Case(String label, DType dtype, int[] xShape, int[] weightShape, boolean bias,
            Function<Backend, Function<Tensor[], Tensor>> forward,
            Function<Backend, Function<Tensor[], ConvGradients>> backward, long weightReduction,
            long inputReduction) {
    }

    private static Case conv1d(String label, DType dtype, int batch, int cin, int length, int cout, int k,
            boolean bias, Conv1dParams params) {
        int[] xShape = params.layout() == Layout.NCL ? new int[] {batch, cin, length} : new int[] {batch, length, cin};
        int lout = params.outputLength(length, k);
        int pads = params.paddingMode() == PaddingMode.ZEROS ? 1 : 1 + 2 * k * params.dilation();
        return new Case(label, dtype, xShape, new int[] {cout, cin / params.groups(), k}, bias,
                b -> t -> b.conv1d(t[0], t[1], t[2], params),
                b -> t -> b.conv1dBackward(t[0], t[1], t[2], bias, params),
                (long) batch * lout, (long) cout / params.groups() * k * pads);
    }

    private static Case transposed(String label, DType dtype, int batch, int cin, int length, int cout, int k,
            boolean bias, ConvTranspose1dParams params) {
        int[] xShape = params.layout() == Layout.NCL ? new int[] {batch, cin, length} : new int[] {batch, length, cin};
        return new Case(label, dtype, xShape, new int[] {cin, cout / params.groups(), k}, bias,
                b -> t -> b.convTranspose1d(t[0], t[1], t[2], params),
                b -> t -> b.convTranspose1dBackward(t[0], t[1], t[2], bias, params),
                (long) batch * length, (long) cout / params.groups() * k);
    }

    private static List<Case> cases() {
        return List.of(
                conv1d("conv1d resblock", DType.FLOAT32, 2, 8, 40, 8, 3, true,
                        Conv1dParams.builder().padding(3).dilation(3).build()),
                conv1d("conv1d strided reflect NLC", DType.FLOAT32, 2, 6, 31, 4, 4, true,
                        Conv1dParams.builder().stride(2).padding(3, 1).paddingMode(PaddingMode.REFLECT)
                                .layout(Layout.NLC).build()),
                conv1d("conv1d depthwise circular", DType.FLOAT64, 1, 6, 20, 12, 5, false,
                        Conv1dParams.builder().groups(6).padding(4).paddingMode(PaddingMode.CIRCULAR).build()),
                conv1d("conv1d replicate grouped", DType.FLOAT16, 3, 4, 17, 6, 3, true,
                        Conv1dParams.builder().groups(2).padding(2, 5).paddingMode(PaddingMode.REPLICATE).build()),
                conv1d("conv1d stride 3 padding beyond span", DType.BFLOAT16, 1, 5, 23, 5, 2, true,
                        Conv1dParams.builder().stride(3).padding(4).build()),
                conv1d("conv1d long reduction", DType.FLOAT32, 2, 3, 12_000, 4, 7, true,
                        Conv1dParams.builder().padding(Padding.SAME).dilation(5).build()),
                transposed("transposed upsampler", DType.FLOAT32, 2, 8, 12, 6, 8, true,
                        ConvTranspose1dParams.builder().stride(4).padding(2).build()),
                transposed("transposed asymmetric output padding NLC", DType.FLOAT32, 1, 6, 15, 9, 5, true,
                        ConvTranspose1dParams.builder().stride(3).dilation(2).groups(3).padding(4, 1)
                                .outputPadding(2).layout(Layout.NLC).build()),
                transposed("transposed same", DType.FLOAT64, 2, 4, 9, 4, 4, false,
                        ConvTranspose1dParams.builder().stride(2).padding(Padding.SAME).build()),
                transposed("transposed long reduction", DType.FLOAT32, 3, 4, 6_000, 3, 6, true,
                        ConvTranspose1dParams.builder().stride(2).padding(2).build()));
    }

    private static Tensor[] inputs(Case c, Backend backend, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor x = TestTensors.random(random, c.dtype(), 1, c.xShape());
        Tensor w = TestTensors.random(random, c.dtype(), 1, c.weightShape());
        Tensor b = c.bias() ? TestTensors.random(random, c.dtype(), 1, c.weightShape()[0]) : null;
        int[] outShape = c.forward().apply(backend).apply(new Tensor[] {x, w, null}).shape();
        Tensor gy = TestTensors.random(random, c.dtype(), 1, outShape);
        return new Tensor[] {gy, x, w, b};
    }

    @TestFactory
    Stream<DynamicTest> openClGradientsMatchTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 1;
        for (Case c : cases()) {
            long caseSeed = seed++;
            tests.add(DynamicTest.dynamicTest(c.label(), () -> {
                Tensor[] in = inputs(c, CPU, caseSeed);
                ConvGradients reference = c.backward().apply(CPU).apply(new Tensor[] {in[0], in[1], in[2]});
                ConvGradients actual = c.backward().apply(openCl()).apply(new Tensor[] {in[0], in[1], in[2]});
                ConvGradients magnitude = c.backward().apply(CPU).apply(new Tensor[] {
                    Accuracy.absolute(in[0]), Accuracy.absolute(in[1]), Accuracy.absolute(in[2])});
                assertArrayEquals(in[1].shape(), actual.input().shape(), "input gradient shape");
                assertArrayEquals(in[2].shape(), actual.weight().shape(), "weight gradient shape");
                Accuracy.assertGradientClose(actual.input(), reference.input(), magnitude.input(),
                        c.inputReduction(), c.label() + ": input gradient");
                Accuracy.assertGradientClose(actual.weight(), reference.weight(), magnitude.weight(),
                        c.weightReduction(), c.label() + ": weight gradient");
                if (c.bias()) {
                    Accuracy.assertGradientClose(actual.bias(), reference.bias(), magnitude.bias(),
                            c.weightReduction(), c.label() + ": bias gradient");
                } else {
                    assertNull(actual.bias());
                    assertNull(reference.bias());
                }
            }));
        }
        return tests.stream();
    }

    /** Central differences of {@code <forward(x, w), gy>} in FLOAT64 against the reference's gradients. */
    @TestFactory
    Stream<DynamicTest> theReferenceMatchesFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            if (c.dtype() != DType.FLOAT64 && c.xShape()[c.xShape().length - 1] > 1000) {
                continue; // the long cases prove the accumulation, not the definition
            }
            tests.add(DynamicTest.dynamicTest(c.label(), () -> {
                Case wide = new Case(c.label(), DType.FLOAT64, c.xShape(), c.weightShape(), c.bias(), c.forward(),
                        c.backward(), c.weightReduction(), c.inputReduction());
                Tensor[] in = inputs(wide, CPU, 99);
                ConvGradients gradients = c.backward().apply(CPU).apply(new Tensor[] {in[0], in[1], in[2]});
                Function<Tensor[], Tensor> forward = c.forward().apply(CPU);
                SplittableRandom random = new SplittableRandom(7);
                for (int which = 1; which <= 2; which++) {
                    double[] values = in[which].toDoubleArray();
                    double[] analytic = (which == 1 ? gradients.input() : gradients.weight()).toDoubleArray();
                    for (int probe = 0; probe < 6; probe++) {
                        int i = random.nextInt(values.length);
                        double saved = values[i];
                        values[i] = saved + 0.5;
                        double up = loss(forward, in, which, values);
                        values[i] = saved - 0.5;
                        double down = loss(forward, in, which, values);
                        values[i] = saved;
                        assertEquals(up - down, analytic[i], 1e-9 * (1 + Math.abs(up) + Math.abs(down)),
                                (which == 1 ? "input" : "weight") + " element " + i);
                    }
                }
                if (c.bias()) {
                    assertEquals(sum(in[0]), sum(gradients.bias()), 1e-9 * (1 + Math.abs(sum(in[0]))));
                }
            }));
        }
        return tests.stream();
    }

    private static double loss(Function<Tensor[], Tensor> forward, Tensor[] in, int which, double[] values) {
        Tensor[] args = {in[1], in[2], null};
        args[which - 1] = Tensor.of(values.clone(), in[which].shape());
        double[] y = forward.apply(args).toDoubleArray();
        double[] gy = in[0].toDoubleArray();
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i] * gy[i];
        }
        return sum;
    }

    private static double sum(Tensor t) {
        double sum = 0;
        for (double v : t.toDoubleArray()) {
            sum += v;
        }
        return sum;
    }

    @Test
    void aNanInTheOutputGradientReachesExactlyTheGradientsItTouches() {
        for (Backend backend : List.of(CPU, openCl())) {
            float[] gy = new float[12];
            gy[5] = Float.NaN;
            Tensor x = TestTensors.random(3, 1, 2, 10);
            Tensor w = TestTensors.random(4, 2, 2, 3);
            ConvGradients g = backend.conv1dBackward(Tensor.of(gy, 1, 2, 6), x, w, true,
                    Conv1dParams.builder().dilation(2).build());
            // Output (channel 0, t 5) reads x positions 5, 7, 9 of both channels; every weight of output channel 0.
            float[] dx = g.input().toFloatArray();
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 10; i++) {
                    boolean touched = i == 5 || i == 7 || i == 9;
                    assertEquals(touched, Float.isNaN(dx[c * 10 + i]), backend.describe() + " dx " + c + "," + i);
                }
            }
            float[] dw = g.weight().toFloatArray();
            for (int i = 0; i < dw.length; i++) {
                assertEquals(i < 6, Float.isNaN(dw[i]), backend.describe() + " dw " + i);
            }
            assertTrue(Float.isNaN(g.bias().toFloatArray()[0]));
            assertEquals(0f, g.bias().toFloatArray()[1] - g.bias().toFloatArray()[1]);
        }
    }

    @Test
    void invalidBackwardCallsAreRefusedBeforeAnyWork() {
        Tensor x = TestTensors.random(1, 1, 2, 10);
        Tensor w = TestTensors.random(2, 3, 2, 3);
        Conv1dParams params = Conv1dParams.builder().build();
        for (Backend backend : List.of(CPU, openCl())) {
            assertMessage(() -> backend.conv1dBackward(TestTensors.random(3, 1, 3, 8), x, w, true,
                    params.toBuilder().activation(Activation.RELU).build()), "activation");
            assertMessage(() -> backend.conv1dBackward(TestTensors.random(3, 1, 3, 9), x, w, true, params),
                    "gradOutput has shape [1, 3, 9]");
            assertMessage(() -> backend.conv1dBackward(TestTensors.random(3, 1, 3, 8).to(DType.FLOAT64), x, w, true,
                    params), "gradOutput dtype");
            assertMessage(() -> backend.conv1dBackward(TestTensors.random(3, 1, 3, 8), x, w, true,
                    params.toBuilder().groups(2).build()), "groups");
            assertMessage(() -> backend.convTranspose1dBackward(TestTensors.random(3, 1, 3, 8), x,
                    TestTensors.random(2, 2, 3, 3), false, ConvTranspose1dParams.builder().build()),
                    "gradOutput has shape [1, 3, 8]");
            assertMessage(() -> backend.convTranspose1dBackward(TestTensors.random(3, 1, 3, 12), x,
                    TestTensors.random(2, 2, 3, 3), false,
                    ConvTranspose1dParams.builder().activation(Activation.TANH).build()), "activation");
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
