package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The convolution on the CPU reference and on OpenCL: hand-computed results for every padding mode, random
 * calls against the reference on the direct kernel and on each transposed-convolution variant that stride-1
 * calls run on, the adjoint identity with the transposed convolution, and every refusal. PyTorch's own
 * results are {@code ConvGoldenCasesTest}'s.
 */
class Conv1dTest {
    /** "cpu", and OpenCL under each variant: stride-1 calls run on that variant's transposed kernels. */
    private static final List<String> BACKENDS = List.of("cpu", "auto", "direct", "phase", "tiled", "rows", "gemm");
    private static final Map<String, Backend> OPEN = new HashMap<>();

    @AfterAll
    static void close() {
        OPEN.values().forEach(Backend::close);
        OPEN.clear();
    }

    private static synchronized Backend backend(String name) {
        return OPEN.computeIfAbsent(name, n -> n.equals("cpu") ? Backends.cpu()
                : OpenClSupport.backend(KernelVariant.valueOf(n.toUpperCase())));
    }

    private static final Tensor RAMP = Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 1, 5);
    private static final Tensor TAPS = Tensor.of(new float[] {1, 10, 100}, 1, 1, 3);

    /** Worked by hand: padded input p, out[t] = p[t] + 10 p[t + 1] + 100 p[t + 2] (times the stride). */
    private static Stream<Object[]> handWorked() {
        return Stream.of(
                new Object[] {"zeros", Conv1dParams.builder().padding(2).build(),
                    new float[] {100, 210, 321, 432, 543, 54, 5}},
                new Object[] {"reflect", Conv1dParams.builder().padding(2).paddingMode(PaddingMode.REFLECT).build(),
                    new float[] {123, 212, 321, 432, 543, 454, 345}},
                new Object[] {"replicate",
                    Conv1dParams.builder().padding(2).paddingMode(PaddingMode.REPLICATE).build(),
                    new float[] {111, 211, 321, 432, 543, 554, 555}},
                new Object[] {"circular",
                    Conv1dParams.builder().padding(2).paddingMode(PaddingMode.CIRCULAR).build(),
                    new float[] {154, 215, 321, 432, 543, 154, 215}},
                new Object[] {"stride 2", Conv1dParams.builder().padding(2).stride(2).build(),
                    new float[] {100, 321, 543, 5}},
                new Object[] {"dilation 2", Conv1dParams.builder().dilation(2).build(), new float[] {531}},
                new Object[] {"asymmetric reflect",
                    Conv1dParams.builder().padding(1, 0).paddingMode(PaddingMode.REFLECT).build(),
                    new float[] {212, 321, 432, 543}},
                new Object[] {"same, dilation 2", Conv1dParams.builder().padding(Padding.SAME).dilation(2).build(),
                    new float[] {310, 420, 531, 42, 53}});
    }

    @TestFactory
    Stream<DynamicTest> handWorkedResultsOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        handWorked().forEach(c -> {
            Conv1dParams params = (Conv1dParams) c[1];
            float[] expected = (float[]) c[2];
            for (String name : BACKENDS) {
                tests.add(DynamicTest.dynamicTest(c[0] + " on " + name, () -> {
                    Backend backend = backend(name);
                    assertArrayEquals(expected, backend.conv1d(RAMP, TAPS, null, params).toFloatArray(), 1e-4f);
                    // NLC, unbatched: the same numbers
                    Tensor unbatched = Tensor.of(RAMP.toFloatArray(), 5, 1);
                    Tensor nlc = backend.conv1d(unbatched, TAPS, null, params.toBuilder().layout(Layout.NLC).build());
                    assertArrayEquals(new int[] {expected.length, 1}, nlc.shape());
                    assertArrayEquals(expected, nlc.toFloatArray(), 1e-4f);
                }));
            }
        });
        return tests.stream();
    }

    /**
     * A NaN weight reaches exactly the outputs whose taps read it against the input, on every backend; a tap
     * that reads zero padding is skipped, never multiplied (PyTorch's 0 x NaN would give NaN there too).
     */
    @TestFactory
    Stream<DynamicTest> aNanWeightReachesTheOutputsThatReadIt() {
        Tensor ones = Tensor.of(new float[] {1, 1, 1, 1, 1}, 1, 1, 5);
        Tensor w = Tensor.of(new float[] {1, Float.NaN, 1}, 1, 1, 3);
        Conv1dParams params = Conv1dParams.builder().padding(2).build();
        return BACKENDS.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            float[] y = backend(name).conv1d(ones, w, null, params).toFloatArray();
            // Output t reads input t - 2 + k; the NaN tap k = 1 reads input t - 1, inside for t = 1..5.
            for (int t = 0; t < y.length; t++) {
                assertEquals(t >= 1 && t <= 5, Float.isNaN(y[t]), name + " output " + t + ": " + y[t]);
            }
            assertEquals(1f, y[0]);
            assertEquals(1f, y[6]);
        }));
    }

    /** One random call: its dtype, input shape (NCL), weight shape and params. */
    private record Call(String label, DType dtype, int batch, int inChannels, int length, int outChannels,
            int kernelSize, boolean bias, Conv1dParams params) {
    }

    private static List<Call> randomCalls() {
        Conv1dParams.Builder b = Conv1dParams.builder();
        return List.of(
                new Call("resblock K3 d3", DType.FLOAT32, 1, 16, 50, 16, 3, true,
                        b.padding(3).dilation(3).build()),
                new Call("K7 same leaky", DType.FLOAT32, 2, 8, 40, 12, 7, true,
                        Conv1dParams.builder().padding(Padding.SAME).activation(Activation.leakyRelu(0.1)).build()),
                new Call("grouped NLC", DType.FLOAT32, 2, 12, 33, 6, 5, false,
                        Conv1dParams.builder().groups(3).padding(2, 1).layout(Layout.NLC).build()),
                new Call("depthwise", DType.FLOAT64, 1, 8, 29, 16, 4, true,
                        Conv1dParams.builder().groups(8).padding(Padding.VALID).build()),
                new Call("stride 3 reflect", DType.FLOAT32, 2, 5, 31, 7, 4, true,
                        Conv1dParams.builder().stride(3).padding(3).paddingMode(PaddingMode.REFLECT).build()),
                new Call("circular dilated NLC", DType.FLOAT16, 1, 6, 20, 6, 3, true,
                        Conv1dParams.builder().padding(4).dilation(2).paddingMode(PaddingMode.CIRCULAR)
                                .layout(Layout.NLC).build()),
                new Call("padding beyond the span", DType.BFLOAT16, 1, 4, 9, 4, 3, true,
                        Conv1dParams.builder().padding(5, 1).activation(Activation.TANH).build()),
                new Call("replicate stride 2 silu", DType.FLOAT32, 3, 4, 17, 8, 6, false,
                        Conv1dParams.builder().stride(2).padding(4, 2).paddingMode(PaddingMode.REPLICATE)
                                .activation(Activation.SILU).build()),
                // Beyond the envelope the kernels were tuned for: a dilation of 400 (the adjoint route's
                // transposed plans fall back where they cannot run it) and a stride past the thinning limit
                // (the direct kernel).
                new Call("dilation 400", DType.FLOAT32, 1, 3, 900, 2, 3, true,
                        Conv1dParams.builder().padding(400).dilation(400).build()),
                new Call("stride 100", DType.FLOAT32, 2, 3, 700, 4, 5, true,
                        Conv1dParams.builder().stride(100).padding(7).build()));
    }

    @TestFactory
    Stream<DynamicTest> randomCallsMatchTheReferenceOnEveryBackend() {
        List<DynamicTest> tests = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(25);
        for (Call call : randomCalls()) {
            Tensor x = TestTensors.random(random, call.dtype(), 1,
                    call.params().layout() == Layout.NCL
                            ? new int[] {call.batch(), call.inChannels(), call.length()}
                            : new int[] {call.batch(), call.length(), call.inChannels()});
            Tensor w = TestTensors.random(random, call.dtype(), 1, call.outChannels(),
                    call.inChannels() / call.params().groups(), call.kernelSize());
            Tensor bias = call.bias() ? TestTensors.random(random, call.dtype(), 1, call.outChannels()) : null;
            Supplier<Tensor> reference = () -> backend("cpu").conv1d(x, w, bias, call.params());
            for (String name : BACKENDS.subList(1, BACKENDS.size())) {
                tests.add(DynamicTest.dynamicTest(call.label() + " on " + name, () -> {
                    Tensor actual = backend(name).conv1d(x, w, bias, call.params());
                    Accuracy.assertConv1dClose(actual, reference.get(), x, w, bias, call.params(),
                            call.label() + " on " + name);
                    try (DeviceTensor resident = backend(name).upload(x);
                            DeviceTensor y = backend(name).conv1d(resident, w, bias, call.params())) {
                        Accuracy.assertConv1dClose(y.download(), reference.get(), x, w, bias, call.params(),
                                call.label() + " on " + name + ", device-resident");
                    }
                }));
            }
        }
        return tests.stream();
    }

    /**
     * {@code <convTranspose1d(x), y> == <x, conv1d(y)>} with the same weight, stride, dilation, groups and
     * padding: the two operations are each other's adjoint, in FLOAT64 on every backend.
     */
    @TestFactory
    Stream<DynamicTest> theConvolutionIsTheTransposedConvolutionsAdjoint() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = { // Cin, Cout, groups, K, stride, dilation, padding, Lin
            {4, 6, 1, 3, 1, 1, 1, 20}, {6, 4, 2, 5, 2, 1, 2, 13}, {8, 8, 8, 4, 3, 2, 3, 11}, {3, 5, 1, 7, 1, 3, 0, 9},
        };
        for (String name : List.of("cpu", "auto", "direct")) {
            for (int[] s : shapes) {
                tests.add(DynamicTest.dynamicTest(name + " " + java.util.Arrays.toString(s), () -> {
                    SplittableRandom random = new SplittableRandom(s[0] * 31L + s[3]);
                    Backend backend = backend(name);
                    ConvTranspose1dParams transposed = ConvTranspose1dParams.builder().stride(s[4]).dilation(s[5])
                            .groups(s[2]).padding(s[6]).build();
                    Conv1dParams direct = Conv1dParams.builder().stride(s[4]).dilation(s[5]).groups(s[2])
                            .padding(s[6]).build();
                    Tensor w = TestTensors.random(random, DType.FLOAT64, 1, s[0], s[1] / s[2], s[3]);
                    Tensor x = TestTensors.random(random, DType.FLOAT64, 1, 2, s[0], s[7]);
                    Tensor tx = backend.convTranspose1d(x, w, null, transposed);
                    Tensor y = TestTensors.random(random, DType.FLOAT64, 1, tx.shape());
                    Tensor cy = backend.conv1d(y, w, null, direct);
                    assertArrayEquals(x.shape(), cy.shape());
                    double left = dot(tx, y);
                    double right = dot(x, cy);
                    assertEquals(left, right, 1e-12 * (1 + Math.abs(left)), name);
                }));
            }
        }
        return tests.stream();
    }

    private static double dot(Tensor a, Tensor b) {
        double[] u = a.toDoubleArray();
        double[] v = b.toDoubleArray();
        double sum = 0;
        for (int i = 0; i < u.length; i++) {
            sum += u[i] * v[i];
        }
        return sum;
    }

    @TestFactory
    Stream<DynamicTest> invalidCallsAreRefusedOnEveryBackend() {
        Tensor w = TestTensors.random(3, 4, 2, 3);
        Map<String, Supplier<Object>> refusals = new java.util.LinkedHashMap<>();
        refusals.put("reflect padding 5", () -> Conv1dParams.builder().padding(5).paddingMode(PaddingMode.REFLECT)
                .build().outputLength(5, 3));
        refusals.put("circular padding 6", () -> Conv1dParams.builder().padding(6).paddingMode(PaddingMode.CIRCULAR)
                .build().outputLength(5, 3));
        refusals.put("same with stride 2", () -> Conv1dParams.builder().padding(Padding.SAME).stride(2).build());
        refusals.put("negative padding", () -> Conv1dParams.builder().padding(-1).build());
        List<DynamicTest> tests = new ArrayList<>();
        refusals.forEach((label, call) -> tests.add(DynamicTest.dynamicTest(label,
                () -> assertThrows(IllegalArgumentException.class, call::get))));
        Map<String, Object[]> calls = new java.util.LinkedHashMap<>();
        calls.put("output shorter than 1", new Object[] {TestTensors.random(1, 1, 2, 2), w, null,
            Conv1dParams.builder().build(), "output length"});
        calls.put("Cin mismatch", new Object[] {TestTensors.random(1, 1, 3, 9), w, null,
            Conv1dParams.builder().build(), "Cin/groups=2"});
        calls.put("groups not dividing Cout", new Object[] {TestTensors.random(1, 1, 6, 9), w, null,
            Conv1dParams.builder().groups(3).build(), "groups (3)"});
        calls.put("bias size", new Object[] {TestTensors.random(1, 1, 2, 9), w, TestTensors.random(2, 3), 
            Conv1dParams.builder().build(), "bias has 3"});
        calls.put("dtype", new Object[] {TestTensors.random(1, 1, 2, 9).to(DType.FLOAT64), w, null,
            Conv1dParams.builder().build(), "dtype"});
        calls.put("reflect padding 9 on 9", new Object[] {TestTensors.random(1, 1, 2, 9), w, null,
            Conv1dParams.builder().padding(9).paddingMode(PaddingMode.REFLECT).build(), "REFLECT"});
        for (String name : List.of("cpu", "auto")) {
            calls.forEach((label, c) -> tests.add(DynamicTest.dynamicTest(label + " on " + name, () -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> backend(name).conv1d((Tensor) c[0], (Tensor) c[1], (Tensor) c[2], (Conv1dParams) c[3]));
                assertTrue(e.getMessage().contains((String) c[4]), e.getMessage());
            })));
        }
        return tests.stream();
    }
}
