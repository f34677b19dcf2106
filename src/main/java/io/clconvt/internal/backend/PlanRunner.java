package io.clconvt.internal.backend;

import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.plan.LaunchPlan;

/** What the {@link Tuner} needs of a backend: run a validated call with a given plan, time it, keep the winner. */
interface PlanRunner {
    /** What the device reports, which plans are derived from. */
    DeviceCapabilities device();

    /** Runs an already validated call with {@code plan}. */
    Tensor run(ConvProblem problem, LaunchPlan plan, Tensor x, Tensor weight, Tensor bias);

    /** Device time of the last call's kernel; waits for it. */
    long lastKernelNanos();

    /** Makes {@code plan} the tuned winner for {@code problem}'s shape class on this device. */
    void storeTuned(ConvProblem problem, LaunchPlan plan);
}
