package io.clconvt.internal.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tuner's re-run against the built-in plan: the decision on per-pair ratios (synthetic, no device),
 * and the pairs themselves on the device.
 */
class TunerTest {
    @Test
    void identicalPlansOnANoisyMachineDoNotReplaceTheRule() {
        // The spread two runs of one plan showed in bench --against-rule (quartiles 0.72 to 1.24).
        assertFalse(Tuner.clearlyFaster(new double[] {0.72, 0.85, 0.93, 0.98, 1.00, 1.02, 1.07, 1.15, 1.24}));
    }

    @Test
    void aWinnerWithinTheMarginKeepsTheRule() {
        assertFalse(Tuner.clearlyFaster(new double[] {0.97, 0.96, 0.98, 0.97, 0.97}));
    }

    @Test
    void theMedianPairDecidesNotTheFewThatCaughtTheRuleInASlowMoment() {
        assertFalse(Tuner.clearlyFaster(new double[] {0.40, 0.45, 0.50, 1.02, 1.03, 1.03, 1.04}));
        assertTrue(Tuner.clearlyFaster(new double[] {0.88, 0.90, 0.89, 1.60, 0.91, 1.45, 0.87}));
    }

    /** A small layer the tests time: 24 -> 16 channels, K 4, stride 2, two of 50 positions. */
    private static final ConvTranspose1dParams PARAMS = ConvTranspose1dParams.builder().stride(2).padding(1).build();
    private static final Tensor X = TestTensors.random(new SplittableRandom(11), DType.FLOAT32, 1, 2, 24, 50);
    private static final Tensor W = TestTensors.random(new SplittableRandom(12), DType.FLOAT32, 1, 24, 16, 4);

    @Test
    void pairedRatiosTimeEachPairOnTheDeviceAndLeaveResultsIntact() {
        ConvProblem problem = ConvProblem.resolve(X, W, null, PARAMS);
        try (OpenClBackend openCl = OpenClSupport.profiledBackend(KernelVariant.AUTO); Backend cpu = Backends.cpu()) {
            LaunchPlan rule = openCl.plan(problem);
            double[] ratios = Tuner.pairedRatios(openCl, problem, LaunchPlan.direct(), rule, X, W, null, 7);
            assertEquals(7, ratios.length);
            for (double ratio : ratios) {
                assertTrue(ratio > 0 && Double.isFinite(ratio), "ratio " + ratio);
            }
            Accuracy.assertClose(openCl.run(problem, rule, X, W, null), cpu.convTranspose1d(X, W, null, PARAMS),
                    X, W, null, PARAMS, "after the pairs");
        }
    }

    @Test
    void aBackendOpenedWithoutProfilingRefusesToReportDeviceTime() {
        try (OpenClBackend openCl = OpenClSupport.backend(KernelVariant.AUTO);
                OpenClBackend profiled = OpenClSupport.profiledBackend(KernelVariant.AUTO)) {
            openCl.convTranspose1d(X, W, null, PARAMS);
            IllegalStateException e = assertThrows(IllegalStateException.class, openCl::lastKernelNanos);
            assertTrue(e.getMessage().contains("profiling"), e.getMessage());
            profiled.convTranspose1d(X, W, null, PARAMS);
            assertTrue(profiled.lastKernelNanos() > 0, "a profiled backend reports the kernel's device time");
        }
    }
}
