package io.clconvt.internal.backend;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.PaddingMode;
import io.clconvt.Tensor;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The residual input every kernel adds in its epilogue, {@code y = f(scale * (conv + bias) + residual)}: on each
 * variant, in FLOAT32 in both layouts and one other dtype in rotation (so that every dtype meets a kernel with
 * vector stores), for the transposed convolution, the convolution on the transposed kernels (stride 1) and, once,
 * the convolution's own kernel (reflect padding), against the CPU reference's convolution in FLOAT64 with the sum
 * and the activation worked out here; the CPU backend's own epilogue the same way.
 */
class ResidualEpilogueTest {
    private static final List<KernelVariant> VARIANTS = List.of(KernelVariant.DIRECT, KernelVariant.PHASE,
            KernelVariant.TILED, KernelVariant.ROWS, KernelVariant.GEMM);

    /** One call's dtype, layout, scale and the activation after the sum. */
    private record Case(DType dtype, Layout layout, double scale, Activation activation) {
        @Override
        public String toString() {
            return dtype + " " + layout + " scale " + scale + " then " + activation;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyVariantAddsTheResidual() {
        List<DynamicTest> tests = new ArrayList<>();
        List<DType> rotation = List.of(DType.FLOAT16, DType.FLOAT64, DType.BFLOAT16);
        for (int v = 0; v < VARIANTS.size(); v++) {
            KernelVariant variant = VARIANTS.get(v);
            Layout other = variant == KernelVariant.ROWS ? Layout.NCL : Layout.NLC; // rows runs NCL only
            List<Case> cases = List.of(new Case(DType.FLOAT32, Layout.NCL, 1, Activation.NONE),
                    new Case(DType.FLOAT32, other, -0.5, Activation.leakyRelu(0.1)),
                    new Case(rotation.get(v % rotation.size()), v % 2 == 0 ? other : Layout.NCL, 1.0 / 3,
                            Activation.RELU));
            for (Case c : cases) {
                tests.add(DynamicTest.dynamicTest(variant + " " + c, () -> check(variant, c)));
            }
        }
        return tests.stream();
    }

    private static void check(KernelVariant variant, Case c) {
        SplittableRandom random = new SplittableRandom(17);
        Tensor x = TestTensors.random(random, c.dtype(), 1, shape(c.layout(), 2, 8, 37));
        Tensor w = TestTensors.random(random, c.dtype(), 0.5, 8, 16, 5);
        Tensor b = TestTensors.random(random, c.dtype(), 1, 16);
        Tensor convWeight = TestTensors.random(random, c.dtype(), 0.5, 16, 8, 3);
        ConvTranspose1dParams transposed = ConvTranspose1dParams.builder().stride(2).padding(2).layout(c.layout())
                .build();
        Conv1dParams adjoint = Conv1dParams.builder().padding(2).dilation(2).layout(c.layout()).build();
        Conv1dParams reflect = Conv1dParams.builder().padding(3).dilation(3).paddingMode(PaddingMode.REFLECT)
                .layout(c.layout()).build();
        try (OpenClBackend openCl = OpenClSupport.backend(variant); CpuBackend cpu = new CpuBackend();
                DeviceTensor input = openCl.upload(x); DeviceTensor heapInput = cpu.upload(x)) {
            ConvProblem problem = ConvProblem.resolve(x, w, b, transposed.toBuilder().activation(c.activation())
                    .build()).withResidual(c.scale());
            Tensor r = TestTensors.random(random, c.dtype(), 2, problem.outputShape());
            Expected expected = expected(c, r, cpu.convTranspose1d(TestTensors.widen(x), TestTensors.widen(w),
                    TestTensors.widen(b), transposed), cpu.convTranspose1d(Accuracy.absolute(x), Accuracy.absolute(w),
                    Accuracy.absolute(b), transposed), Accuracy.reductionLength(transposed, 8, 5));
            try (DeviceTensor residual = openCl.upload(r);
                    DeviceTensor y = openCl.convTranspose1dWindow(problem, input, w, b, residual);
                    DeviceTensor heapResidual = cpu.upload(r);
                    DeviceTensor z = cpu.convTranspose1dWindow(problem, heapInput, w, b, heapResidual)) {
                expected.check(y.download(), variant + " transposed, " + c);
                expected.check(z.download(), "the CPU reference's transposed, " + c);
            }
            // The convolution's own kernel reads the padding modes whatever the variant: checked once.
            for (Conv1dParams params : variant == KernelVariant.DIRECT ? List.of(adjoint, reflect) : List.of(adjoint)) {
                Conv1dProblem conv = Conv1dProblem.resolve(x, convWeight, b, params.toBuilder()
                        .activation(c.activation()).build()).withResidual(c.scale());
                Tensor s = TestTensors.random(random, c.dtype(), 2, conv.outputShape());
                Expected convExpected = expected(c, s, cpu.conv1d(TestTensors.widen(x), TestTensors.widen(convWeight),
                        TestTensors.widen(b), params), cpu.conv1d(Accuracy.absolute(x), Accuracy.absolute(convWeight),
                        Accuracy.absolute(b), params), 8 * 3);
                String label = " conv1d " + params.paddingMode() + ", " + c;
                try (DeviceTensor residual = openCl.upload(s);
                        DeviceTensor y = openCl.conv1dWindow(conv, input, convWeight, b, residual);
                        DeviceTensor heapResidual = cpu.upload(s);
                        DeviceTensor z = cpu.conv1dWindow(conv, heapInput, convWeight, b, heapResidual)) {
                    convExpected.check(y.download(), variant + label);
                    convExpected.check(z.download(), "the CPU reference's" + label);
                }
            }
        }
    }

    /**
     * What a call must give: {@code f(scale * conv + r)} from the exact convolution in FLOAT64, within the bound
     * of a sum of its products, the bias and the residual, over |scale| S + |r| (S the sums of absolute values).
     */
    private record Expected(Tensor values, Tensor magnitude, int terms) {
        void check(Tensor actual, String label) {
            Accuracy.assertGradientClose(actual, values, magnitude, terms, label);
        }
    }

    private static Expected expected(Case c, Tensor residual, Tensor conv, Tensor absoluteSums, int reductionLength) {
        double[] r = residual.toDoubleArray();
        double[] v = conv.toDoubleArray();
        double[] s = absoluteSums.toDoubleArray();
        double[] expected = new double[v.length];
        double[] magnitude = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            expected[i] = c.activation().apply(c.scale() * v[i] + r[i]);
            magnitude[i] = Math.abs(c.scale()) * s[i] + Math.abs(r[i]);
        }
        return new Expected(TestTensors.of(c.dtype(), expected, conv.shape()),
                Tensor.of(magnitude, conv.shape()), reductionLength + 2);
    }

    private static int[] shape(Layout layout, int batch, int channels, int length) {
        return layout == Layout.NCL ? new int[] {batch, channels, length} : new int[] {batch, length, channels};
    }

    /**
     * Beyond the tuned envelope (dilation 400, which the plans leave to the direct kernels; stride 100) and with a
     * NaN and an infinity in the residual: each reaches exactly its own output, on OpenCL as on the CPU.
     */
    @Test
    void outsideTheEnvelopeAndWithNonFiniteResiduals() {
        SplittableRandom random = new SplittableRandom(23);
        Tensor x = TestTensors.random(random, DType.FLOAT32, 1, 1, 4, 900);
        Tensor w = TestTensors.random(random, DType.FLOAT32, 1, 4, 4, 3);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 1, 4);
        Tensor t = TestTensors.random(random, DType.FLOAT32, 1, 4, 4, 3);
        Conv1dProblem dilated = Conv1dProblem.resolve(x, w, b, Conv1dParams.builder().padding(400).dilation(400)
                .build()).withResidual(1);
        ConvProblem strided = ConvProblem.resolve(x, t, b, ConvTranspose1dParams.builder().stride(100).build())
                .withResidual(0.5);
        try (OpenClBackend openCl = OpenClSupport.backend(KernelVariant.AUTO); CpuBackend cpu = new CpuBackend();
                DeviceTensor input = openCl.upload(x); DeviceTensor heapInput = cpu.upload(x)) {
            double[] r = TestTensors.random(random, DType.FLOAT64, 1, dilated.outputShape()).toDoubleArray();
            r[7] = Double.NaN;
            r[900 + 11] = Double.POSITIVE_INFINITY;
            Tensor residual = TestTensors.of(DType.FLOAT32, r, dilated.outputShape());
            try (DeviceTensor res = openCl.upload(residual); DeviceTensor heapRes = cpu.upload(residual);
                    DeviceTensor y = openCl.conv1dWindow(dilated, input, w, b, res);
                    DeviceTensor z = cpu.conv1dWindow(dilated, heapInput, w, b, heapRes)) {
                float[] actual = y.download().toFloatArray();
                float[] expected = z.download().toFloatArray();
                for (int i = 0; i < actual.length; i++) {
                    if (i == 7) {
                        assertTrue(Float.isNaN(actual[i]) && Float.isNaN(expected[i]), "NaN at " + i);
                    } else if (i == 900 + 11) {
                        assertTrue(actual[i] == Float.POSITIVE_INFINITY && expected[i] == Float.POSITIVE_INFINITY,
                                "infinity at " + i);
                    } else {
                        assertTrue(Float.isFinite(actual[i]) && Math.abs(actual[i] - expected[i]) <= 1e-5 * (1
                                + Math.abs(expected[i])), "element " + i + ": " + actual[i] + " vs " + expected[i]);
                    }
                }
            }
            Tensor s = TestTensors.random(random, DType.FLOAT32, 1, strided.outputShape());
            try (DeviceTensor res = openCl.upload(s); DeviceTensor heapRes = cpu.upload(s);
                    DeviceTensor y = openCl.convTranspose1dWindow(strided, input, t, b, res);
                    DeviceTensor z = cpu.convTranspose1dWindow(strided, heapInput, t, b, heapRes)) {
                assertTrue(Tensor.maxRelativeDifference(y.download(), z.download()) < 1e-5,
                        "stride 100 with a residual");
            }
        }
    }

    @Test
    void aResidualOfAnotherShapeOrDtypeOrOneNotAskedForIsRefused() {
        Tensor x = TestTensors.random(3, 1, 4, 10);
        Tensor w = TestTensors.random(4, 4, 4, 3);
        Conv1dProblem adds = Conv1dProblem.resolve(x, w, null, Conv1dParams.builder().padding(1).build())
                .withResidual(1);
        Conv1dProblem addsNone = Conv1dProblem.resolve(x, w, null, Conv1dParams.builder().padding(1).build());
        try (OpenClBackend openCl = OpenClSupport.backend(KernelVariant.AUTO); CpuBackend cpu = new CpuBackend()) {
            checkRefusals(openCl, adds, addsNone, x, w);
            checkRefusals(cpu, adds, addsNone, x, w);
        }
    }

    private static void checkRefusals(StreamingBackend backend, Conv1dProblem adds,
            Conv1dProblem addsNone, Tensor x, Tensor w) {
        try (DeviceTensor input = backend.upload(x);
                DeviceTensor shorter = backend.upload(TestTensors.random(5, 1, 4, 9));
                DeviceTensor wider = backend.upload(x.to(DType.FLOAT64));
                DeviceTensor same = backend.upload(TestTensors.random(6, 1, 4, 10))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.conv1dWindow(adds, input, w, null, shorter));
            assertTrue(e.getMessage().contains("[1, 4, 9]") && e.getMessage().contains("[1, 4, 10]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.conv1dWindow(adds, input, w, null, wider));
            assertTrue(e.getMessage().contains("FLOAT64"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.conv1dWindow(adds, input, w, null, null));
            assertTrue(e.getMessage().contains("none was given"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> backend.conv1dWindow(addsNone, input, w, null, same));
            assertTrue(e.getMessage().contains("adds none"), e.getMessage());
        }
    }
}
