package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Activation;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.plan.GemmPlan;
import io.clconvt.internal.plan.GemmTile;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlanTest;
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
 * The gemm variant at points of its tuning space other than the built-in one (the random configurations
 * test covers the built-in tile): tiles smaller and larger than the problem, one work-item per
 * work-group, scalar and vector channel tiles, partial reduction slabs, and the GPU tiles of the
 * vendor table, each against the CPU reference; and NaN/Inf weights reaching only the outputs they touch.
 *
 * <p>Each (tile, call) pair is a program. The default build runs every tile on every second call it
 * supports, starting with the first or the second by the tile's place, so that every tile and every call
 * still run; the exhaustive profile ({@link TestScope}) runs every pair.
 */
class GemmKernelTest {
    @RegisterExtension
    static final PlanBackends BACKENDS = new PlanBackends();

    /** Tiles from the search space, drawn with a fixed seed, plus hand-picked corners and the GPU table. */
    static List<GemmTile> tiles() {
        List<GemmTile> tiles = new ArrayList<>(List.of(
                new GemmTile(1, 1, 1, 1, 1, 1),
                new GemmTile(4, 2, 2, 1, 2, 4),
                new GemmTile(64, 64, 32, 16, 16, 4),
                new GemmTile(64, 64, 32, 16, 8, 4),
                new GemmTile(32, 32, 32, 8, 16, 4),
                new GemmTile(16, 8, 4, 2, 4, 2)));
        ConvProblem any = LaunchPlanTest.problem(DType.FLOAT32, 64, 64, 1, 4, 2);
        ConvTranspose1dImplementations.candidates(any, BACKENDS.openCl().device(), new SplittableRandom(99), 400).stream()
                .filter(p -> p.variant() == KernelVariant.GEMM).limit(4).forEach(p -> tiles.add(((GemmPlan) p).tile()));
        return tiles;
    }

    private static List<CrossCheck.Call> calls() {
        SplittableRandom random = new SplittableRandom(7);
        List<CrossCheck.Call> calls = new ArrayList<>();
        // dense, stride > K, asymmetric padding, bias, leaky ReLU
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 2, 19, 23),
                TestTensors.random(random, DType.FLOAT32, 1, 19, 37, 3), TestTensors.random(random, DType.FLOAT32, 1, 37),
                ConvTranspose1dParams.builder().stride(5).padding(2, 4).activation(Activation.leakyRelu(0.1)).build()));
        // grouped, dilated, NLC, FLOAT64, output padding
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT64, 1, 3, 17, 12),
                TestTensors.random(random, DType.FLOAT64, 1, 12, 5, 5), null,
                ConvTranspose1dParams.builder().stride(2).dilation(3).groups(3).padding(3).outputPadding(1)
                        .layout(Layout.NLC).build()));
        // depthwise, stride sharing a factor with the dilation, SAME, tanh
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 1, 6, 40),
                TestTensors.random(random, DType.FLOAT32, 1, 6, 1, 4), TestTensors.random(random, DType.FLOAT32, 1, 6),
                ConvTranspose1dParams.builder().stride(4).dilation(2).groups(6).padding(Padding.SAME)
                        .activation(Activation.TANH).build()));
        // unbatched, K = 1, stride 1, VALID, 70 input channels (several partial slabs)
        calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 70, 9),
                TestTensors.random(random, DType.FLOAT32, 1, 70, 9, 1), null,
                ConvTranspose1dParams.builder().padding(Padding.VALID).build()));
        return calls;
    }

    @Test
    void everySampledTileMatchesTheCpu() {
        List<CrossCheck.Call> calls = calls();
        List<GemmTile> tiles = tiles();
        int ran = 0;
        boolean[] callRan = new boolean[calls.size()];
        for (int t = 0; t < tiles.size(); t++) {
            GemmPlan plan = new GemmPlan(tiles.get(t));
            int supported = 0;
            for (int i = 0; i < calls.size(); i++) {
                CrossCheck.Call c = calls.get(i);
                ConvProblem problem = ConvProblem.resolve(c.x(), c.weight(), c.bias(), c.params());
                if (!ConvTranspose1dImplementations.supports(problem, plan, BACKENDS.openCl().device())) {
                    continue;
                }
                if (!TestScope.rotation(supported++ + t, 0, 2)) {
                    continue;
                }
                PlanChecks.assertMatchesCpu(BACKENDS.openCl(), BACKENDS.cpu(), plan, c);
                callRan[i] = true;
                ran++;
            }
        }
        assertTrue(ran >= (TestScope.exhaustive() ? 30 : 15), "only " + ran + " tile/call pairs ran");
        for (int i = 0; i < calls.size(); i++) {
            assertTrue(callRan[i], "call " + i + " ran on no tile");
        }
    }

    @Test
    void nanAndInfWeightsReachOnlyTheOutputsTheyTouch() {
        for (GemmTile tile : List.of(new GemmTile(1, 1, 1, 1, 1, 1), new GemmTile(32, 32, 32, 8, 16, 4),
                ((GemmPlan) ConvTranspose1dImplementations.defaultFor(LaunchPlanTest.problem(DType.FLOAT32, 8, 8, 1, 3, 1), KernelVariant.GEMM,
                        BACKENDS.openCl().device())).tile())) {
            PlanChecks.assertNonFiniteWeightsStayLocal(BACKENDS.openCl(), new GemmPlan(tile));
        }
    }
}
