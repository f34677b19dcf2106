package io.clconvt.internal.kernels;

import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.KernelVariant;
import java.util.Arrays;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/conv_transpose1d_rows.cl}, the {@code rows} variant: a vector of
 * consecutive output rows per phase, {@code tileChannels} output channels and every phase per
 * work-item, for NCL tensors. K, stride, dilation, the channel count and the row vector are build
 * options; lengths and channel counts are runtime arguments. The weight is used as given.
 */
public final class ConvTranspose1dRowsKernel {
    public static final String SOURCE_FILE = "conv_transpose1d_rows.cl";
    private static final String KERNEL_NAME = "conv_transpose1d_rows";
    /** Row offsets a work-item keeps as vectors: (K - 1) x dilation / stride + 1. */
    public static final int MAX_WINDOW_VECTORS = 16;
    public static final int[] ROW_VECTORS = {2, 4, 8, 16};

    private ConvTranspose1dRowsKernel() {
    }

    /**
     * Whether {@code plan} can run {@code problem}: NCL, a row vector the kernel knows, and the tiled
     * kernel's bounds (K, accumulators: channels x stride, unrolled multiply-adds: channels x K, for the
     * same registers and build time) plus the window's row vectors, with every 32-bit index in range; in
     * 64-bit arithmetic.
     */
    public static boolean supports(ConvProblem problem, LaunchPlan plan) {
        boolean wellFormed = plan.variant() == KernelVariant.ROWS && plan.tileChannels() >= 1 && plan.localSize() >= 1
                && Arrays.stream(ROW_VECTORS).anyMatch(width -> width == plan.tileRows());
        if (!wellFormed || problem.layout() != Layout.NCL) {
            return false;
        }
        long stride = problem.stride();
        long windowVectors = problem.reach() + 1;
        long accumulators = (long) plan.tileChannels() * stride;
        long lastBlockEnd = ((long) problem.padLeft() + problem.outputLength()) / stride + 2L * plan.tileRows();
        return problem.kernelSize() <= ConvTranspose1dTiledKernel.MAX_KERNEL_SIZE
                && accumulators <= ConvTranspose1dTiledKernel.MAX_ACCUMULATORS
                && (long) plan.tileChannels() * problem.kernelSize() <= ConvTranspose1dTiledKernel.MAX_UNROLLED_TAPS
                && windowVectors <= MAX_WINDOW_VECTORS
                && lastBlockEnd <= Integer.MAX_VALUE
                && (long) problem.inputLength() + plan.tileRows() + windowVectors <= Integer.MAX_VALUE;
    }

    public static String options(ConvProblem problem, LaunchPlan plan) {
        return ConvTranspose1dKernel.shapeOptions(problem)
                + " -DTILE_CHANNELS=" + plan.tileChannels()
                + " -DROW_VECTOR=" + plan.tileRows()
                + ConvTranspose1dKernel.activationOption(problem);
    }

    /** Enqueues {@code problem} into {@code y} with the weight as given, (Cin, Cout / groups, K). */
    public static cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer y) {
        cl_kernel kernel = programs.kernel(SOURCE_FILE, KERNEL_NAME, options(problem, plan));
        SpecialisedArguments.set(kernel, problem, x, weight, bias, y, problem.groupOutChannels());
        long rowBlocks = (problem.rowsWithOutput() + plan.tileRows() - 1) / plan.tileRows();
        long local = plan.localSize();
        long channelBlocks = (problem.groupOutChannels() + plan.tileChannels() - 1) / plan.tileChannels();
        long[] global = {(rowBlocks + local - 1) / local * local, problem.groups() * channelBlocks, problem.batch()};
        return context.enqueue(kernel, KERNEL_NAME, global, new long[] {local, 1, 1});
    }
}
