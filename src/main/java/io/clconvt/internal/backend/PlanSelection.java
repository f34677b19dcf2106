package io.clconvt.internal.backend;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.kernels.ConvTranspose1dImplementations;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.TuningFile;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which plan a call runs with on one backend: under AUTO a tuned winner from the tuning file (tuning on
 * first use where that is switched on), else the built-in rule; a forced variant takes the rule's plan
 * of that variant. Not thread-safe: the backend serialises calls.
 */
final class PlanSelection {
    private static final Logger LOG = LoggerFactory.getLogger(PlanSelection.class);

    private final KernelVariant variant;
    private final TuningFile tuning;
    private final boolean tuneOnFirstUse;
    /** Shape classes tuned on first use (or found failing to) by this backend, so each is tried once. */
    private final Set<String> firstUseTried = new HashSet<>();

    PlanSelection(KernelVariant variant, TuningFile tuning, boolean tuneOnFirstUse) {
        this.variant = variant;
        this.tuning = tuning;
        this.tuneOnFirstUse = tuneOnFirstUse;
    }

    KernelVariant variant() {
        return variant;
    }

    /** The plan for {@code problem}; {@code runner} times candidates when tuning on first use. */
    LaunchPlan plan(ConvProblem problem, PlanRunner runner) {
        DeviceCapabilities device = runner.device();
        if (variant == KernelVariant.AUTO) {
            LaunchPlan tuned = tuning.plan(device, problem);
            if (tuned == null && tuneOnFirstUse && firstUseTried.add(TuningFile.shapeClass(problem))) {
                try {
                    tuned = Tuner.tuneOnFirstUse(runner, problem);
                } catch (RuntimeException e) {
                    LOG.warn("tuning {} on first use failed, using the built-in plan: {}",
                            TuningFile.shapeClass(problem), e.toString());
                }
            }
            if (tuned != null && ConvTranspose1dImplementations.supports(problem, tuned, device)) {
                return tuned;
            }
        }
        return ConvTranspose1dImplementations.defaultFor(problem, variant, device);
    }

    /** The built-in rule's plan for {@code problem} in this selection's variant. */
    LaunchPlan rule(ConvProblem problem, DeviceCapabilities device) {
        return ConvTranspose1dImplementations.defaultFor(problem, variant, device);
    }

    void store(DeviceCapabilities device, ConvProblem problem, LaunchPlan plan) {
        tuning.store(device, problem, plan);
    }
}
