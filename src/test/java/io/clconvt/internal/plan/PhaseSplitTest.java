package io.clconvt.internal.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.clconvt.internal.kernels.ConvTranspose1dImplementations;
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
 * Tiled and phase plans whose work-items keep only some phases of their rows, against the CPU
 * reference: every divisor of the stride as the phase count, with K a multiple of the stride, not a
 * multiple, and smaller than it (phases with no tap at all), in both layouts and every storage type;
 * and NaN/Inf weights reaching only the outputs they touch.
 *
 * <p>Each (call, phase count, tile) is a program. The default build runs every call at every phase count
 * with one of the three tiles, turning over with the call and the phase count; the exhaustive profile
 * ({@link TestScope}) runs every tile.
 */
class PhaseSplitTest {
    @RegisterExtension
    static final PlanBackends BACKENDS = new PlanBackends();

    private static List<CrossCheck.Call> calls() {
        SplittableRandom random = new SplittableRandom(11);
        List<CrossCheck.Call> calls = new ArrayList<>();
        // HiFi-GAN's shape in small: K = 2 x stride, bias, leaky ReLU
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 2, 24, 19),
                TestTensors.random(random, DType.FLOAT32, 1, 24, 20, 16), TestTensors.random(random, DType.FLOAT32, 1, 20),
                ConvTranspose1dParams.builder().stride(8).padding(4).activation(Activation.leakyRelu(0.1)).build()));
        // K not a multiple of the stride, asymmetric padding, output padding, NLC
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 1, 13, 16),
                TestTensors.random(random, DType.FLOAT32, 1, 16, 9, 10), null,
                ConvTranspose1dParams.builder().stride(4).padding(1, 5).outputPadding(3).layout(Layout.NLC).build()));
        // K smaller than the stride: phases 3..7 have no tap and hold the bias only; groups; FLOAT64
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT64, 1, 3, 12, 7),
                TestTensors.random(random, DType.FLOAT64, 1, 12, 5, 3), TestTensors.random(random, DType.FLOAT64, 1, 15),
                ConvTranspose1dParams.builder().stride(8).groups(3).build()));
        // one input position, SAME, tanh, 16-bit storage
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 2, 6, 1).to(DType.FLOAT16),
                TestTensors.random(random, DType.FLOAT32, 1, 6, 18, 6).to(DType.FLOAT16), null,
                ConvTranspose1dParams.builder().stride(6).padding(Padding.SAME).activation(Activation.TANH).build()));
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 1, 33, 40).to(DType.BFLOAT16),
                TestTensors.random(random, DType.FLOAT32, 1, 40, 16, 12).to(DType.BFLOAT16), null,
                ConvTranspose1dParams.builder().stride(6).padding(2).layout(Layout.NLC).build()));
        return calls;
    }

    /** The tiles {@link #plans} tries at each phase count, one after another. */
    private static final int TILES = 3;

    private static List<LaunchPlan> plans(ConvProblem problem) {
        List<LaunchPlan> plans = new ArrayList<>();
        for (int phases = 1; phases < problem.stride(); phases++) {
            if (problem.stride() % phases != 0) {
                continue;
            }
            plans.add(new TiledPlan(1, 3, phases, 8));
            plans.add(new TiledPlan(4, 1, phases, 16));
            plans.add(new TiledPlan(16, 8, phases, 16));
        }
        return plans;
    }

    @Test
    void everyPhaseCountMatchesTheCpu() {
        int ran = 0;
        List<CrossCheck.Call> calls = calls();
        for (int call = 0; call < calls.size(); call++) {
            CrossCheck.Call c = calls.get(call);
            ConvProblem problem = ConvProblem.resolve(c.x(), c.weight(), c.bias(), c.params());
            List<LaunchPlan> plans = plans(problem);
            for (int p = 0; p < plans.size(); p++) {
                LaunchPlan plan = plans.get(p);
                assertTrue(ConvTranspose1dImplementations.supports(problem, plan, BACKENDS.openCl().device()), plan + " for " + problem);
                if (TestScope.rotation(call + p / TILES, p % TILES, TILES)) {
                    PlanChecks.assertMatchesCpu(BACKENDS.openCl(), BACKENDS.cpu(), plan, c);
                    ran++;
                }
            }
        }
        assertTrue(ran >= (TestScope.exhaustive() ? 30 : 10), "only " + ran + " plan/call pairs ran");
    }

    @Test
    void splittingPhasesNeedsDilationOneAndADivisorOfTheStride() {
        Tensor x = Tensor.of(new float[4 * 10], 1, 4, 10);
        Tensor w = Tensor.of(new float[4 * 4 * 16], 4, 4, 16);
        ConvProblem dilated = ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(8).dilation(3).build());
        assertFalse(ConvTranspose1dImplementations.supports(dilated, new TiledPlan(4, 4, 2, 16), BACKENDS.openCl().device()));
        assertTrue(ConvTranspose1dImplementations.supports(dilated, new TiledPlan(4, 4, 16), BACKENDS.openCl().device()));
        ConvProblem plain = ConvProblem.resolve(x, w, null, ConvTranspose1dParams.builder().stride(8).build());
        assertFalse(ConvTranspose1dImplementations.supports(plain, new TiledPlan(4, 4, 3, 16), BACKENDS.openCl().device()));
        assertFalse(ConvTranspose1dImplementations.supports(plain, new TiledPlan(4, 4, 16, 16), BACKENDS.openCl().device()));
        assertTrue(ConvTranspose1dImplementations.supports(plain, new TiledPlan(4, 4, 4, 16), BACKENDS.openCl().device()));
        assertEquals(8, new TiledPlan(4, 4, 16).phasesOf(plain));
    }

    @Test
    void nanAndInfWeightsReachOnlyTheOutputsTheyTouch() {
        // stride 2, K = 3: the third tap is phase 0 one row back
        Tensor ones = Tensor.of(new float[] {1, 1, 1}, 1, 1, 3);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).build();
        for (LaunchPlan plan : List.of(new TiledPlan(4, 2, 1, 16),
                new TiledPlan(1, 8, 1, 8))) {
            Tensor nanWeight = Tensor.of(new float[] {1, 1, Float.NaN}, 1, 1, 3);
            assertArrayEquals(new float[] {1, 1, Float.NaN, 1, Float.NaN, 1, Float.NaN},
                    BACKENDS.openCl().run(ConvProblem.resolve(ones, nanWeight, null, params), plan, ones, nanWeight, null)
                            .toFloatArray(), plan.toString());
            float inf = Float.POSITIVE_INFINITY;
            Tensor infWeight = Tensor.of(new float[] {1, inf, 1}, 1, 1, 3);
            assertArrayEquals(new float[] {1, inf, 2, inf, 2, inf, 1},
                    BACKENDS.openCl().run(ConvProblem.resolve(ones, infWeight, null, params), plan, ones, infWeight, null)
                            .toFloatArray(), plan.toString());
        }
    }

    @Test
    void aSplitPlanSurvivesTheTuningFile() {
        TiledPlan plan = new TiledPlan(16, 8, 2, 16);
        assertEquals("tiled:16:8:16:2", PlanText.encode(plan));
        assertEquals(plan, PlanText.parse(PlanText.encode(plan)));
        assertEquals(new TiledPlan(16, 4, 16), PlanText.parse("tiled:16:4:16"));
    }
}
