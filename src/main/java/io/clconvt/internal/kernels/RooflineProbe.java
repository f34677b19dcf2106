package io.clconvt.internal.kernels;

import static org.jocl.CL.clReleaseEvent;

import io.clconvt.DType;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.opencl.Cl;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.CpuRule;
import java.util.Arrays;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/roofline.cl}: the device's FP32 multiply-add ceiling and its
 * streaming-copy bandwidth, measured with the same profiling events as the convolution kernels.
 */
public final class RooflineProbe {
    private static final String SOURCE_FILE = "roofline.cl";
    /** Registers the probe leaves to its two constants and the compiler. */
    private static final int RESERVED_REGISTERS = 4;
    /** A GPU hides latency across work-items, so a few chains per work-item suffice there. */
    private static final int GPU_CHAINS = 8;
    private static final int ITERATIONS = 4096;
    private static final int RUNS = 7;
    private static final long COPY_BYTES = 64L << 20;
    private static final long LOCAL_SIZE = 16;

    private RooflineProbe() {
    }

    public static Roofline measure(ClContext context, ProgramCache programs) {
        return new Roofline(peakGflops(context, programs), copyGbps(context, programs));
    }

    private static double peakGflops(ClContext context, ProgramCache programs) {
        DeviceCapabilities device = context.device().capabilities();
        int width = width(device);
        int chains = chains(device);
        cl_kernel kernel = programs.kernel(SOURCE_FILE, "peak_flops", options(device));
        // 64 work-groups per compute unit on a CPU (each runs on one core); 4x that many work-items on a GPU.
        long workItems = (device.isCpu() ? 64L : 256L) * device.computeUnits() * LOCAL_SIZE;
        try (ClBuffer sink = ClBuffer.allocate(context, workItems * Sizeof.cl_float)) {
            programs.arguments(kernel)
                    .buffer(sink)                      // sink
                    .integer(ITERATIONS)               // iterations
                    .real(DType.FLOAT32, 0.999);       // scale
            double flops = 2.0 * width * chains * ITERATIONS * workItems;
            return flops / medianNanos(context, kernel, workItems);
        }
    }

    /** The probe's vector: the device's native float vector. */
    public static int width(DeviceCapabilities device) {
        return CpuRule.nativeWidth(device, DType.FLOAT32);
    }

    /**
     * Independent multiply-add chains per work-item: on a CPU every vector register but a few (the
     * register file follows the native width, {@link CpuRule#vectorRegisters}), so the chains hide
     * the multiply-add latency without spilling.
     */
    public static int chains(DeviceCapabilities device) {
        return device.isCpu()
                ? CpuRule.vectorRegisters(device.nativeFloatWidth()) - RESERVED_REGISTERS
                : GPU_CHAINS;
    }

    public static String options(DeviceCapabilities device) {
        return "-DCHAINS=" + chains(device) + " -DWIDTH=" + width(device);
    }

    private static double copyGbps(ClContext context, ProgramCache programs) {
        cl_kernel kernel = programs.kernel(SOURCE_FILE, "copy", "");
        long bytes = Math.min(COPY_BYTES, context.device().capabilities().maxAllocationBytes() / 2);
        try (ClBuffer source = ClBuffer.allocate(context, bytes); ClBuffer target = ClBuffer.allocate(context, bytes)) {
            programs.arguments(kernel)
                    .buffer(source)            // source
                    .buffer(target);           // target
            return 2.0 * bytes / medianNanos(context, kernel, bytes / (4 * Sizeof.cl_float));
        }
    }

    /** Median device time of {@link #RUNS} launches after one warm-up. */
    private static double medianNanos(ClContext context, cl_kernel kernel, long workItems) {
        long global = (workItems + LOCAL_SIZE - 1) / LOCAL_SIZE * LOCAL_SIZE;
        double[] nanos = new double[RUNS];
        for (int run = -1; run < RUNS; run++) {
            cl_event event = context.enqueue(kernel, "roofline", new long[] {global}, new long[] {LOCAL_SIZE});
            try {
                long elapsed = Cl.elapsedNanos(event);
                if (run >= 0) {
                    nanos[run] = elapsed;
                }
            } finally {
                clReleaseEvent(event);
            }
        }
        Arrays.sort(nanos);
        return nanos[RUNS / 2];
    }
}
