package io.clconvt.internal.backend;

import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.Validation;
import io.clconvt.internal.kernels.Roofline;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.LatencyFloor;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.TuningFile;

/**
 * Not API: the one entry point of the engine for the command line's benchmark and tuner. A backend
 * running one kernel variant, device time from profiling events, the tuner, paired timing against the
 * built-in rule, the roofline probe and the latency floor, none of which a library user needs.
 */
public final class EngineTools {
    private EngineTools() {
    }

    public static Backend openCl(KernelVariant variant) {
        Validation.requireNonNull("variant", variant);
        return new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), variant, false, true);
    }

    public static String plan(Backend openCl, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        return engine(openCl).plan(ConvProblem.resolve(x, weight, bias, params)).toString();
    }

    public static long lastKernelNanos(Backend openCl) {
        return engine(openCl).lastKernelNanos();
    }

    public static String tune(Backend openCl, Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params,
            Tensor reference, double tolerance) {
        return Tuner.tune(engine(openCl), ConvProblem.resolve(x, weight, bias, params), x, weight, bias, reference,
                tolerance);
    }

    public static double[] againstRule(Backend openCl, Tensor x, Tensor weight, Tensor bias,
            ConvTranspose1dParams params, int pairs) {
        OpenClBackend backend = engine(openCl);
        ConvProblem problem = ConvProblem.resolve(x, weight, bias, params);
        return Tuner.pairedRatios(backend, problem, backend.plan(problem),
                backend.rulePlan(problem), x, weight,
                bias, pairs);
    }

    public static Roofline roofline(Backend openCl) {
        return Diagnostics.roofline(engine(openCl));
    }

    public static LatencyFloor latencyFloor(Backend openCl, int repetitions) {
        return Diagnostics.latencyFloor(engine(openCl), repetitions);
    }

    public static String tuningFile() {
        return TuningFile.defaultPath().toString();
    }

    private static OpenClBackend engine(Backend backend) {
        if (!(backend instanceof OpenClBackend openCl)) {
            throw new IllegalArgumentException("not an OpenCL backend: " + backend.describe());
        }
        return openCl;
    }
}
