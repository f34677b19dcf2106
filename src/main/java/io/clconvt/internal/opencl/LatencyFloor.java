package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * The least time a call can take on a device, whatever its kernel: the median wall time of (a) writing 8 KB
 * in, running an empty kernel and reading 16 KB back with a blocking read, the host round trip of a tiny
 * layer, and (b) an empty kernel and {@code clFinish}. On POCL these are tens of microseconds, the floor
 * under which no small layer's wall time can fall; the benchmark prints them beside its shapes.
 *
 * @param roundTripMs median of (a)
 * @param emptyKernelMs median of (b)
 * @param repetitions how many of each the medians are over
 */
public record LatencyFloor(double roundTripMs, double emptyKernelMs, int repetitions) {
    /** The empty kernel, built here: it is no kernel of the library's, so no file of {@code kernels/} holds it. */
    private static final String SOURCE = "kernel void empty(global const float* in, global float* out) { }\n";
    private static final int IN_BYTES = 8 << 10;
    private static final int OUT_BYTES = 16 << 10;
    private static final int WARM_UPS = 20;

    /** Measures both floors on {@code context}'s queue, {@code repetitions} times each after a warm-up. */
    public static LatencyFloor measure(ClContext context, int repetitions) {
        if (repetitions < 1) {
            throw new IllegalArgumentException("repetitions must be positive, got " + repetitions);
        }
        // Direct: JOCL writes without blocking only from memory the garbage collector cannot move.
        ByteBuffer in = ByteBuffer.allocateDirect(IN_BYTES).order(ByteOrder.nativeOrder());
        float[] out = new float[OUT_BYTES / Sizeof.cl_float];
        try (ClProgram program = ClProgram.build(context, "empty kernel", SOURCE, "");
             ClBuffer input = ClBuffer.allocate(context, IN_BYTES);
             ClBuffer output = ClBuffer.allocate(context, OUT_BYTES)) {
            cl_kernel kernel = program.createKernel("empty");
            try {
                Cl.check(clSetKernelArg(kernel, 0, Sizeof.cl_mem, Pointer.to(input.memory())), "clSetKernelArg");
                Cl.check(clSetKernelArg(kernel, 1, Sizeof.cl_mem, Pointer.to(output.memory())), "clSetKernelArg");
                double[] roundTrip = new double[repetitions];
                double[] emptyKernel = new double[repetitions];
                for (int i = -WARM_UPS; i < repetitions; i++) {
                    long start = System.nanoTime();
                    Cl.check(clEnqueueWriteBuffer(context.queue(), input.memory(), CL_FALSE, 0, IN_BYTES,
                            Pointer.to(in), 0, null, null), "clEnqueueWriteBuffer");
                    launch(context, kernel);
                    Cl.check(clEnqueueReadBuffer(context.queue(), output.memory(), CL_TRUE, 0, OUT_BYTES,
                            Pointer.to(out), 0, null, null), "clEnqueueReadBuffer");
                    long between = System.nanoTime();
                    launch(context, kernel);
                    context.finish();
                    long end = System.nanoTime();
                    if (i >= 0) {
                        roundTrip[i] = (between - start) / 1e6;
                        emptyKernel[i] = (end - between) / 1e6;
                    }
                }
                return new LatencyFloor(median(roundTrip), median(emptyKernel), repetitions);
            } finally {
                clReleaseKernel(kernel);
            }
        }
    }

    /** One work-item of the empty kernel; its event is released at once, as a call's would be when done. */
    private static void launch(ClContext context, cl_kernel kernel) {
        cl_event event = context.enqueue(kernel, "empty", new long[] {1}, null);
        clReleaseEvent(event);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
