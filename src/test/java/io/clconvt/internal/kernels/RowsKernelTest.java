package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Activation;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlanTest;
import io.clconvt.internal.plan.RowsPlan;
import io.clconvt.testing.CrossCheck;
import io.clconvt.testing.PlanBackends;
import io.clconvt.testing.PlanChecks;
import io.clconvt.testing.TestScope;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rows variant at points of its plan space other than the built-in one (the random configurations
 * cover that): every row vector, channel counts that do and do not divide the group, inputs shorter than
 * a vector and long enough for interior blocks, against the CPU reference; its envelope; and NaN/Inf
 * weights reaching only the outputs they touch, in the lanes next to the input's ends too.
 *
 * <p>Each (call, row vector, channel count) is a program. The default build runs every call with every row
 * vector at one of the channel counts its envelope takes, turning over with the call and the vector, so that
 * every vector meets every channel count; the exhaustive profile ({@link TestScope}) runs them all.
 */
class RowsKernelTest {
    @RegisterExtension
    static final PlanBackends BACKENDS = new PlanBackends();

    private static List<CrossCheck.Call> calls() {
        SplittableRandom random = new SplittableRandom(5);
        List<CrossCheck.Call> calls = new ArrayList<>();
        // depthwise, long enough for interior blocks, bias, leaky ReLU
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 2, 6, 200),
                TestTensors.random(random, DType.FLOAT32, 1, 6, 1, 4), TestTensors.random(random, DType.FLOAT32, 1, 6),
                ConvTranspose1dParams.builder().stride(2).padding(1).groups(6).activation(Activation.leakyRelu(0.1))
                        .build()));
        // groups of 5 channels, K < stride, asymmetric padding, output padding, FLOAT64
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT64, 1, 1, 8, 37),
                TestTensors.random(random, DType.FLOAT64, 1, 8, 5, 3), null,
                ConvTranspose1dParams.builder().stride(5).groups(2).padding(2, 6).outputPadding(4).build()));
        // dilation sharing a factor with the stride, SAME, tanh, an input shorter than every vector
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 3, 4, 1),
                TestTensors.random(random, DType.FLOAT32, 1, 4, 3, 5), TestTensors.random(random, DType.FLOAT32, 1, 3),
                ConvTranspose1dParams.builder().stride(2).dilation(4).padding(Padding.SAME).activation(Activation.TANH)
                        .build()));
        // dense, stride 1, VALID, unbatched, 16-bit storage
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 9, 45).to(DType.FLOAT16),
                TestTensors.random(random, DType.FLOAT32, 1, 9, 7, 6).to(DType.FLOAT16), null,
                ConvTranspose1dParams.builder().padding(Padding.VALID).build()));
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 2, 4, 70).to(DType.BFLOAT16),
                TestTensors.random(random, DType.FLOAT32, 1, 4, 2, 8).to(DType.BFLOAT16), null,
                ConvTranspose1dParams.builder().stride(4).padding(3).groups(2).build()));
        return calls;
    }

    @Test
    void everyRowVectorAndChannelCountMatchesTheCpu() {
        int ran = 0;
        List<CrossCheck.Call> calls = calls();
        int[] channelCounts = {1, 3, 8};
        for (int call = 0; call < calls.size(); call++) {
            CrossCheck.Call c = calls.get(call);
            ConvProblem problem = ConvProblem.resolve(c.x(), c.weight(), c.bias(), c.params());
            for (int v = 0; v < ConvTranspose1dRowsKernel.ROW_VECTORS.length; v++) {
                int vector = ConvTranspose1dRowsKernel.ROW_VECTORS[v];
                List<RowsPlan> supported = new ArrayList<>();
                for (int channels : channelCounts) {
                    RowsPlan plan = new RowsPlan(channels, vector, vector == 4 ? 1 : 16);
                    if (!ConvTranspose1dImplementations.supports(problem, plan, BACKENDS.openCl().device())) {
                        assertTrue(channels * problem.stride() > Envelope.MAX_ACCUMULATORS, plan
                                + " refused " + problem);
                        continue;
                    }
                    supported.add(plan);
                }
                for (int n = 0; n < supported.size(); n++) {
                    if (TestScope.rotation(call + v, n, supported.size())) {
                        PlanChecks.assertMatchesCpu(BACKENDS.openCl(), BACKENDS.cpu(), supported.get(n), c);
                        ran++;
                    }
                }
            }
        }
        assertTrue(ran >= (TestScope.exhaustive() ? 50 : 16), "only " + ran + " plan/call pairs ran");
    }

    @Test
    void theEnvelopeRefusesNlcAndOversizedTiles() {
        Tensor x = Tensor.of(new float[4 * 10], 1, 4, 10);
        Tensor w = Tensor.of(new float[4 * 4 * 16], 4, 4, 16);
        ConvProblem ncl = ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(8).build());
        ConvProblem nlc = ConvProblem.resolve(Tensor.of(new float[40], 1, 10, 4), w, null,
                ConvTranspose1dParams.builder().stride(8).layout(Layout.NLC).build());
        assertTrue(ConvTranspose1dImplementations.supports(ncl, new RowsPlan(4, 16, 16), BACKENDS.openCl().device()));
        assertFalse(ConvTranspose1dImplementations.supports(nlc, new RowsPlan(4, 16, 16), BACKENDS.openCl().device()));
        assertFalse(ConvTranspose1dImplementations.supports(ncl, new RowsPlan(5, 16, 16), BACKENDS.openCl().device())); // 40 accumulators
        assertFalse(ConvTranspose1dImplementations.supports(ncl, new RowsPlan(4, 3, 16), BACKENDS.openCl().device())); // no vec3 row vector
        // 16 row offsets fit (K = 16 at stride 1), 17 do not
        Tensor w17 = Tensor.of(new float[4 * 4 * 17], 4, 4, 17);
        assertTrue(ConvTranspose1dImplementations.supports(ConvProblem.resolve(x, w, null,
                ConvTranspose1dParams.builder().build()), new RowsPlan(1, 16, 16), BACKENDS.openCl().device()));
        assertFalse(ConvTranspose1dImplementations.supports(ConvProblem.resolve(x, w17, null,
                ConvTranspose1dParams.builder().build()), new RowsPlan(1, 16, 16), BACKENDS.openCl().device()));
        // an NLC layer under auto takes the tiled or phase variant instead
        ConvProblem depthwiseNlc = ConvProblem.resolve(Tensor.of(new float[40], 1, 10, 4),
                Tensor.of(new float[4 * 16], 4, 1, 16), null,
                ConvTranspose1dParams.builder().groups(4).layout(Layout.NLC).build());
        assertEquals(KernelVariant.PHASE,
                ConvTranspose1dImplementations.defaultFor(depthwiseNlc, KernelVariant.AUTO, LaunchPlanTest.AVX512).variant());
    }

    @Test
    void nanAndInfWeightsReachOnlyTheOutputsTheyTouch() {
        // four inputs: the masked lanes next to both ends of every row vector
        for (int vector : ConvTranspose1dRowsKernel.ROW_VECTORS) {
            PlanChecks.assertNonFiniteWeightsStayLocal(BACKENDS.openCl(), new RowsPlan(1, vector, 16));
        }
    }
}
