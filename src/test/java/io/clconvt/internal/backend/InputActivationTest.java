package io.clconvt.internal.backend;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.kernels.ConvTranspose1dImplementation;
import io.clconvt.internal.kernels.ConvTranspose1dImplementations;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The input activation every kernel fuses (a layer graph's activation before a layer): on each variant, a
 * call reading {@code f(x)} matches the CPU reference given {@code f(x)} computed on the host, for the
 * transposed convolution and for the convolution (stride 1 through the transposed kernels, stride 2 on its
 * own). Each variant meets HiFi-GAN's leaky ReLU and one other activation in rotation; the tiled variant's
 * calls activate the input in a pass first (its kernel declares it does not fuse one), the others' kernels
 * apply it as they load.
 */
class InputActivationTest {
    private static final List<KernelVariant> VARIANTS = List.of(KernelVariant.DIRECT, KernelVariant.PHASE,
            KernelVariant.TILED, KernelVariant.ROWS, KernelVariant.GEMM);
    private static final List<Activation> OTHERS = List.of(Activation.RELU, Activation.TANH, Activation.SILU,
            Activation.leakyRelu(0.2), Activation.RELU);

    @TestFactory
    Stream<DynamicTest> everyVariantReadsTheActivatedInput() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int v = 0; v < VARIANTS.size(); v++) {
            KernelVariant variant = VARIANTS.get(v);
            for (Activation activation : List.of(Activation.leakyRelu(0.1), OTHERS.get(v))) {
                tests.add(DynamicTest.dynamicTest(variant + " " + activation, () -> check(variant, activation)));
            }
        }
        return tests.stream();
    }

    private static void check(KernelVariant variant, Activation activation) {
        SplittableRandom random = new SplittableRandom(11);
        Layout layout = variant == KernelVariant.ROWS ? Layout.NCL : Layout.NLC;
        Tensor x = TestTensors.random(random, DType.FLOAT32, 1, layout == Layout.NCL ? new int[] {2, 8, 19}
                : new int[] {2, 19, 8});
        Tensor activated = activated(x, activation);
        Tensor w = TestTensors.random(random, DType.FLOAT32, 1, 8, 6, 5);
        Tensor b = TestTensors.random(random, DType.FLOAT32, 1, 6);
        ConvTranspose1dParams transposed = ConvTranspose1dParams.builder().stride(2).padding(2).layout(layout)
                .activation(Activation.TANH).build();
        Tensor c = TestTensors.random(random, DType.FLOAT32, 1, 6, 8, 3);
        Conv1dParams[] convs = {Conv1dParams.builder().padding(2).dilation(2).layout(layout).build(),
            Conv1dParams.builder().stride(2).padding(1).layout(layout).build()};
        try (OpenClBackend openCl = OpenClSupport.backend(variant); CpuBackend cpu = new CpuBackend();
                DeviceTensor input = openCl.upload(x)) {
            ConvProblem problem = ConvProblem.resolve(x, w, b, transposed).withInputActivation(activation);
            try (DeviceTensor y = openCl.convTranspose1dWindow(problem, input, w, b)) {
                Accuracy.assertClose(y.download(), cpu.convTranspose1d(activated, w, b, transposed), activated, w, b,
                        transposed, variant + " transposed, input " + activation);
            }
            for (Conv1dParams params : convs) {
                Conv1dProblem conv = Conv1dProblem.resolve(x, c, null, params).withInputActivation(activation);
                try (DeviceTensor y = openCl.conv1dWindow(conv, input, c, null)) {
                    Accuracy.assertConv1dClose(y.download(), cpu.conv1d(activated, c, null, params), activated, c,
                            null, params, variant + " conv1d stride " + params.stride() + ", input " + activation);
                }
                try (DeviceTensor heap = cpu.upload(x); DeviceTensor y = cpu.conv1dWindow(conv, heap, c, null)) {
                    Accuracy.assertConv1dClose(y.download(), cpu.conv1d(activated, c, null, params), activated, c,
                            null, params, "the CPU reference's own input activation");
                }
            }
        }
    }

    @Test
    void theTiledKernelLeavesTheInputActivationToAPassAndRefusesToBuildOne() {
        Tensor x = TestTensors.random(5, 1, 8, 19);
        Tensor w = TestTensors.random(6, 8, 6, 5);
        ConvProblem problem = ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(2).build())
                .withInputActivation(Activation.leakyRelu(0.1));
        try (OpenClBackend openCl = OpenClSupport.backend(KernelVariant.TILED)) {
            LaunchPlan plan = openCl.plan(problem);
            ConvTranspose1dImplementation tiled = ConvTranspose1dImplementations.of(plan);
            assertEquals(KernelVariant.TILED, plan.variant());
            assertFalse(tiled.fusesInputActivation(plan));
            assertThrows(IllegalStateException.class, () -> tiled.program(problem, plan));
            assertTrue(ConvTranspose1dImplementations.of(openCl.plan(problem.withInputActivation(Activation.NONE)))
                    .program(problem.withInputActivation(Activation.NONE), plan).options().contains("TILE_CHANNELS"));
        }
    }

    /** f(x) in FLOAT32: the input the kernel computes with when it loads x and applies f in float. */
    private static Tensor activated(Tensor x, Activation activation) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) activation.apply(v[i]);
        }
        return Tensor.of(v, x.shape());
    }
}
