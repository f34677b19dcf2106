package io.clconvt.internal.kernels;

import io.clconvt.internal.ApiAccess;
import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Maths;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.KernelArguments;
import io.clconvt.internal.opencl.ProgramCache;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/conv_transpose1d.cl}, the direct variant: one work-item per output
 * element, every shape as a runtime argument, so one program per dtype serves every call. It is the
 * always-available variant and the correctness baseline of the others.
 */
public final class ConvTranspose1dKernel {
    public static final String SOURCE_FILE = "conv_transpose1d.cl";
    private static final String KERNEL_NAME = "conv_transpose1d";

    private ConvTranspose1dKernel() {
    }

    /** Enqueues {@code problem} into {@code y} and returns the kernel's event; {@code bias} may be null. */
    public static cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, int localSize,
            ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer y) {
        cl_kernel kernel = programs.kernel(SOURCE_FILE, KERNEL_NAME, storageOption(problem) + activationOption(problem));
        int phaseGcd = Maths.gcd(problem.stride(), problem.dilation());
        new KernelArguments(kernel)
                .buffer(x)                                    // x
                .buffer(weight)                               // w
                .buffer(bias)                                 // bias, NULL when absent
                .buffer(y)                                    // y
                .integer(problem.batch())                     // batch
                .integer(problem.inChannels())                // inChannels
                .integer(problem.outChannels())               // outChannels
                .integer(problem.inputLength())               // inputLength
                .integer(problem.outputLength())              // outputLength
                .integer(problem.kernelSize())                // kernelSize
                .integer(problem.stride())                    // stride
                .integer(problem.dilation())                  // dilation
                .integer(problem.padLeft())                   // padLeft
                .integer(problem.groups())                    // groups
                .integer(problem.layout() == Layout.NLC ? 1 : 0) // channelsLast
                .integer(phaseGcd)                            // phaseGcd
                .integer(Maths.modularInverse(problem.dilation() / phaseGcd, problem.tapStep())) // dilationInverse
                .real(problem.dtype(), problem.activation().slope()); // slope
        long globalSize = ((long) problem.outputElements() + localSize - 1) / localSize * localSize;
        return context.enqueue(kernel, KERNEL_NAME, new long[] {globalSize}, new long[] {localSize});
    }

    /**
     * The options every specialised program starts with: the storage type, then K, stride and dilation,
     * which fix its loops' trip counts and each tap's phase and row offset.
     */
    public static String shapeOptions(ConvProblem problem) {
        return storageOption(problem)
                + " -DKERNEL_SIZE=" + problem.kernelSize()
                + " -DSTRIDE=" + problem.stride()
                + " -DDILATION=" + problem.dilation();
    }

    /** The build option selecting the storage type of {@code kernels/storage.cl}. */
    public static String storageOption(ConvProblem problem) {
        int code = switch (problem.dtype()) {
            case FLOAT32 -> 0;
            case FLOAT64 -> 1;
            case FLOAT16 -> 2;
            case BFLOAT16 -> 3;
        };
        return "-DSTORAGE=" + code;
    }

    /** The build option selecting the fused activation of {@code kernels/activation.cl}. */
    public static String activationOption(ConvProblem problem) {
        return " -DACTIVATION=" + ApiAccess.kernelCode(problem.activation());
    }
}
