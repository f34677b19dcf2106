package io.clconvt;

import io.clconvt.bench.KernelVariant;
import java.util.Arrays;
import java.util.Locale;

/**
 * Finds the fastest launch plan of a shape class on a device: every candidate plan is run once and
 * checked against a reference, then timed by profiling events, and the winner is stored in the
 * tuning file, where {@link KernelVariant#AUTO} finds it from then on.
 */
final class Tuner {
    private static final int RUNS = 5;

    private Tuner() {
    }

    /** @return the winner and its median device time, e.g. {@code tiled(16x4,local 8) 3.120 ms} */
    static String tune(OpenClBackend backend, ConvProblem problem, Tensor x, Tensor weight, Tensor bias,
            Tensor reference, double tolerance) {
        LaunchPlan best = null;
        double bestMs = Double.POSITIVE_INFINITY;
        for (LaunchPlan plan : LaunchPlan.candidates(problem)) {
            if (!(Tensor.maxRelativeDifference(backend.run(problem, plan, x, weight, bias), reference) <= tolerance)) {
                continue;
            }
            double[] device = new double[RUNS];
            for (int i = 0; i < device.length; i++) {
                backend.run(problem, plan, x, weight, bias);
                device[i] = backend.lastKernelNanos() / 1e6;
            }
            Arrays.sort(device);
            double ms = device[RUNS / 2];
            if (ms < bestMs) {
                bestMs = ms;
                best = plan;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no launch plan for " + TuningFile.shapeClass(problem)
                    + " matched the reference");
        }
        backend.storeTuned(problem, best);
        return String.format(Locale.ROOT, "%s %.3f ms", best, bestMs);
    }
}
