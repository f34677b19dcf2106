package io.clconvt.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Activation;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Maths;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.TiledPlan;
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
 * The tiled kernel's NCL fast paths against the CPU reference: tiles holding every phase and a multiple
 * of the channel vector's accumulators store through an in-register transpose (every channel vector
 * width, one to several square blocks, a group that fills the channel vector or leaves it partly empty,
 * tiles cut by either end of the output), and tiles whose input window lies inside the input reduce
 * without guards. Outputs start as NaN, so a position the transposed stores miss fails.
 *
 * <p>Each plan/call pair is a program. The default build runs every plan of the first two tests with one of
 * its two group widths (in turn), and every residue of the shifted tiles at strides up to 3 and every
 * second one above (in turn, so that each residue still meets some channel width); every call is drawn and
 * every plan's support and shift checked as in the exhaustive profile ({@link TestScope}), which runs
 * every pair.
 */
class TransposedStoresTest {
    @RegisterExtension
    static final PlanBackends BACKENDS = new PlanBackends();

    @Test
    void everyChannelVectorAndBlockCountMatchesTheCpu() {
        SplittableRandom random = new SplittableRandom(23);
        int pairs = 0;
        int ran = 0;
        for (int channels : new int[] {2, 4, 8, 16}) {
            for (int stride : new int[] {1, 2, 4}) {
                for (int blocks : new int[] {1, 2}) {
                    int rows = blocks * channels / stride;
                    if (rows < 1 || rows * stride > Envelope.MAX_ACCUMULATORS) {
                        continue;
                    }
                    TiledPlan plan = new TiledPlan(channels, rows, 16);
                    // group channels: the vector exactly, and 3 more (a second tile left mostly empty)
                    for (int groupOut : new int[] {channels, channels + 3}) {
                        DType dtype = pairs % 3 == 2 ? DType.FLOAT64 : DType.FLOAT32;
                        int groups = pairs % 2 + 1;
                        CrossCheck.Call call = new CrossCheck.Call(
                                TestTensors.random(random, dtype, 1, 2, 3 * groups, 37),
                                TestTensors.random(random, dtype, 1, 3 * groups, groupOut, 2 * stride + 1),
                                TestTensors.random(random, dtype, 1, groupOut * groups),
                                ConvTranspose1dParams.builder().stride(stride).padding(stride, 1).outputPadding(
                                        stride - 1).groups(groups).build());
                        ConvProblem problem = ConvProblem.resolve(call.x(), call.weight(), call.bias(), call.params());
                        assertTrue(ConvTranspose1dImplementations.supports(problem, plan, BACKENDS.openCl().device()), plan + " for " + problem);
                        // the two group widths of a plan in turn: pairs 2p and 2p + 1 belong to plan p
                        if (TestScope.rotation(pairs / 2, pairs % 2, 2)) {
                            PlanChecks.assertMatchesCpu(BACKENDS.openCl(), BACKENDS.cpu(), plan, call);
                            ran++;
                        }
                        pairs++;
                    }
                }
            }
        }
        assertEquals(46, pairs, "plan/call pairs");
        assertEquals(TestScope.exhaustive() ? 46 : 23, ran, "plan/call pairs run");
    }

    @Test
    void tilesShiftedToAlignedStoresMatchTheCpuAtEveryPaddingResidue() {
        SplittableRandom random = new SplittableRandom(41);
        int pairs = 0;
        int ran = 0;
        int plans = 0;
        for (int channels : new int[] {4, 8, 16}) {
            for (int stride : new int[] {2, 3, 4, 8}) {
                int rows = channels / Maths.gcd(channels, stride);
                if (rows * stride > Envelope.MAX_ACCUMULATORS) {
                    continue;
                }
                TiledPlan plan = new TiledPlan(channels, rows, 16);
                int planIndex = plans++;
                for (int residue = 1; residue < stride; residue++) {
                    int dilation = 1 + pairs % 3;
                    int kernelSize = stride + 1 + pairs % 4;
                    int inputLength = 30 + pairs % 7;
                    int padLeft = residue + stride * (pairs % 2);
                    int full = (inputLength - 1) * stride + dilation * (kernelSize - 1) + 1;
                    // the right padding that leaves a whole number of channel vectors per output row
                    int padRight = Math.floorMod(full - padLeft, channels);
                    DType dtype = pairs % 4 == 3 ? DType.FLOAT64 : DType.FLOAT32;
                    int groups = pairs % 2 + 1;
                    int groupOut = channels + pairs % 3; // a second tile, mostly empty, for two of three
                    CrossCheck.Call call = new CrossCheck.Call(
                            TestTensors.random(random, dtype, 2, 3 * groups, inputLength),
                            TestTensors.random(random, dtype, 1, 3 * groups, groupOut, kernelSize),
                            TestTensors.random(random, dtype, 1, groupOut * groups),
                            ConvTranspose1dParams.builder().stride(stride).dilation(dilation)
                                    .padding(padLeft, padRight).groups(groups).build());
                    ConvProblem problem = ConvProblem.resolve(call.x(), call.weight(), call.bias(), call.params());
                    assertEquals(residue, ConvTranspose1dTiledKernel.phaseShift(problem, plan),
                            plan + " for " + problem);
                    assertTrue(ConvTranspose1dImplementations.supports(problem, plan, BACKENDS.openCl().device()), plan + " for " + problem);
                    // every residue up to stride 3, every second above, in turn with the plan
                    if (TestScope.exhaustive() || stride <= 3 || (residue + planIndex) % 2 == 1) {
                        PlanChecks.assertMatchesCpu(BACKENDS.openCl(), BACKENDS.cpu(), plan, call);
                        ran++;
                    }
                    pairs++;
                }
            }
        }
        assertEquals(37, pairs, "plan/call pairs");
        assertEquals(TestScope.exhaustive() ? 37 : 22, ran, "plan/call pairs run");
    }

    @Test
    void tilesStayUnshiftedWhereNoStoreWouldAlign() {
        ConvTranspose1dParams.Builder base = ConvTranspose1dParams.builder().stride(2).padding(1);
        Tensor x = Tensor.of(new float[16 * 64], 1, 16, 64);
        Tensor w = Tensor.of(new float[16 * 16 * 4], 16, 16, 4);
        TiledPlan aligned = new TiledPlan(16, 8, 16);
        ConvProblem ncl = ConvProblem.resolve(x, w, null, base.build()); // Lout 128
        assertEquals(1, ConvTranspose1dTiledKernel.phaseShift(ncl, aligned));
        // positions per tile not a whole vector; rows not whole vectors; channels-last; phases split; the
        // phase variant
        assertEquals(0, ConvTranspose1dTiledKernel.phaseShift(ncl, new TiledPlan(16, 4, 16)));
        assertEquals(0, ConvTranspose1dTiledKernel.phaseShift(
                ConvProblem.resolve(x, w, null, base.outputPadding(1).build()), aligned));
        Tensor nlc = Tensor.of(new float[16 * 64], 1, 64, 16);
        assertEquals(0, ConvTranspose1dTiledKernel.phaseShift(
                ConvProblem.resolve(nlc, w, null, ConvTranspose1dParams.builder().stride(2).padding(1)
                        .layout(Layout.NLC).build()), aligned));
        assertEquals(0, ConvTranspose1dTiledKernel.phaseShift(ncl, new TiledPlan(16, 8, 1, 16)));
        assertEquals(0, ConvTranspose1dTiledKernel.phaseShift(ncl, new TiledPlan(1, 16, 16)));
    }

    @Test
    void interiorTilesAndEdgeTilesAgreeWithTheCpuInEveryStorageType() {
        SplittableRandom random = new SplittableRandom(5);
        List<CrossCheck.Call> calls = new ArrayList<>();
        for (DType dtype : DType.values()) {
            // 200 positions: many interior tiles, and windows cut at both ends of the input
            calls.add(new CrossCheck.Call(TestTensors.random(random, DType.FLOAT32, 1, 2, 20, 200).to(dtype),
                    TestTensors.random(random, DType.FLOAT32, 1, 20, 16, 8).to(dtype), null,
                    ConvTranspose1dParams.builder().stride(4).padding(2).activation(Activation.leakyRelu(0.2))
                            .build()));
        }
        for (CrossCheck.Call call : calls) {
            for (LaunchPlan plan : List.of(new TiledPlan(16, 4, 16),
                    new TiledPlan(16, 8, 2, 16), new TiledPlan(1, 3, 8))) {
                PlanChecks.assertMatchesCpu(BACKENDS.openCl(), BACKENDS.cpu(), plan, call);
            }
        }
    }

    @Test
    void aNanWeightInALongInputReachesOnlyItsOutputs() {
        // 64 ones through the weight [1, 1, NaN] at stride 1: outputs 2..65 hold NaN, 0 and 1 do not; the
        // interior tiles run unguarded, the first and last guarded.
        float[] ones = new float[64];
        java.util.Arrays.fill(ones, 1);
        Tensor x = Tensor.of(ones, 1, 1, 64);
        Tensor w = Tensor.of(new float[] {1, 1, Float.NaN}, 1, 1, 3);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().build();
        for (LaunchPlan plan : List.of(new TiledPlan(2, 4, 16),
                new TiledPlan(1, 4, 16))) {
            float[] y = BACKENDS.openCl().run(ConvProblem.resolve(x, w, null, params), plan, x, w, null).toFloatArray();
            assertArrayEquals(new float[] {1, 2}, new float[] {y[0], y[1]}, plan.toString());
            for (int o = 2; o < y.length; o++) {
                assertTrue(Float.isNaN(y[o]), plan + ": output " + o + " is " + y[o]);
            }
        }
    }
}
