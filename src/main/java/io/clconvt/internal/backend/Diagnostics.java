package io.clconvt.internal.backend;

import io.clconvt.internal.kernels.Roofline;
import io.clconvt.internal.kernels.RooflineProbe;
import io.clconvt.internal.opencl.LatencyFloor;

/**
 * Not API. What the benchmark and the tests read of an {@link OpenClBackend} beyond running calls: the
 * device's roofline and latency floor, the programs built and the device tensors open, and builds of a chosen program
 * for tests of build failures. Kept apart so that the backend itself only runs calls.
 */
public final class Diagnostics {
    private Diagnostics() {
    }

    /** The device's measured compute and bandwidth ceilings. */
    public static Roofline roofline(OpenClBackend backend) {
        return backend.withPrograms(RooflineProbe::measure);
    }

    /** The device's latency floor: the wall time of a call that moves 24 KB and runs an empty kernel. */
    public static LatencyFloor latencyFloor(OpenClBackend backend, int repetitions) {
        return backend.withPrograms((context, programs) -> LatencyFloor.measure(context, repetitions));
    }

    /** Device tensors open on {@code backend}, for tests that check streams keep and release their histories. */
    public static int residentTensors(OpenClBackend backend) {
        return backend.residentCount();
    }

    /** Programs built so far, for tests that check a warm call builds nothing. */
    public static int builtPrograms(OpenClBackend backend) {
        return backend.withPrograms((context, programs) -> programs.size());
    }

    /** Builds (or finds) a kernel through {@code backend}'s program cache, as a call would. */
    public static void buildKernel(OpenClBackend backend, String file, String kernelName, String options) {
        backend.withPrograms((context, programs) -> programs.kernel(file, kernelName, options));
    }

    /** Builds (or finds) a kernel as {@link #buildKernel} does and returns the compiler's log. */
    public static String buildLog(OpenClBackend backend, String file, String kernelName, String options) {
        return backend.withPrograms((context, programs) -> programs.buildLog(file, kernelName, options));
    }
}
