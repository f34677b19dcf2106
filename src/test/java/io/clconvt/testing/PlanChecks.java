package io.clconvt.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.plan.LaunchPlan;

/**
 * Checks shared by the tests that run explicit launch plans (gemm tiles, split phases, the rows
 * variant) rather than what a backend chooses.
 */
public final class PlanChecks {
    private PlanChecks() {
    }

    /** {@code plan} on {@code openCl} gives the CPU reference's result for {@code call}, within {@link Accuracy}. */
    public static void assertMatchesCpu(OpenClBackend openCl, Backend cpu, LaunchPlan plan, CrossCheck.Call call) {
        ConvProblem problem = ConvProblem.resolve(call.x(), call.weight(), call.bias(), call.params());
        Tensor expected = cpu.convTranspose1d(call.x(), call.weight(), call.bias(), call.params());
        Tensor actual = openCl.run(problem, plan, call.x(), call.weight(), call.bias());
        Accuracy.assertClose(actual, expected, call.x(), call.weight(), call.bias(), call.params(), plan + " vs CPU");
    }

    /**
     * Four ones at stride 1 with the weights [1, 1, NaN] and [Inf, 1, 1]: a non-finite weight reaches only
     * the outputs its tap touches, so a kernel must skip taps beyond the input rather than multiply them
     * by a zero.
     */
    public static void assertNonFiniteWeightsStayLocal(OpenClBackend openCl, LaunchPlan plan) {
        Tensor ones = Tensor.of(new float[] {1, 1, 1, 1}, 1, 1, 4);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().build();
        Tensor nanWeight = Tensor.of(new float[] {1, 1, Float.NaN}, 1, 1, 3);
        assertArrayEquals(new float[] {1, 2, Float.NaN, Float.NaN, Float.NaN, Float.NaN},
                openCl.run(ConvProblem.resolve(ones, nanWeight, null, params), plan, ones, nanWeight, null)
                        .toFloatArray(), plan.toString());
        float inf = Float.POSITIVE_INFINITY;
        Tensor infWeight = Tensor.of(new float[] {inf, 1, 1}, 1, 1, 3);
        assertArrayEquals(new float[] {inf, inf, inf, inf, 2, 1},
                openCl.run(ConvProblem.resolve(ones, infWeight, null, params), plan, ones, infWeight, null)
                        .toFloatArray(), plan.toString());
    }
}
