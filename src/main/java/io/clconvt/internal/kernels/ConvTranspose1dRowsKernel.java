package io.clconvt.internal.kernels;

import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.plan.CpuRule;
import io.clconvt.internal.plan.GpuRule;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.RowsPlan;
import java.util.ArrayList;
import java.util.List;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/conv_transpose1d_rows.cl}, the {@code rows} variant: a vector of consecutive output rows
 * per phase, {@code channels} output channels and every phase per work-item, for NCL tensors. K, stride,
 * dilation, the channel count and the row vector are build options; lengths and channel counts are
 * runtime arguments. The weight is used as given.
 */
public final class ConvTranspose1dRowsKernel implements ConvTranspose1dImplementation {
    public static final String SOURCE_FILE = "conv_transpose1d_rows.cl";
    public static final String KERNEL_NAME = "conv_transpose1d_rows";
    /** Row offsets a work-item keeps as vectors: (K - 1) x dilation / stride + 1. */
    public static final int MAX_WINDOW_VECTORS = 16;
    /** The row vectors the kernel has code for. */
    public static final int[] ROW_VECTORS = {2, 4, 8, 16};

    ConvTranspose1dRowsKernel() {
    }

    @Override
    public boolean runs(LaunchPlan plan) {
        return plan instanceof RowsPlan;
    }

    @Override
    public boolean serves(KernelVariant variant) {
        return variant == KernelVariant.ROWS;
    }

    /**
     * Whether {@code plan} can run {@code problem}: NCL, a row vector the kernel knows, and the
     * {@link Envelope} (accumulators: channels x stride, unrolled multiply-adds: channels x K) plus the
     * window's row vectors, with every 32-bit index in range; in 64-bit arithmetic.
     */
    @Override
    public boolean supports(ConvProblem problem, LaunchPlan plan, DeviceCapabilities device) {
        if (!(plan instanceof RowsPlan rows) || rows.channels() < 1 || rows.localSize() < 1
                || rows.rowVector() < 2 || !LaunchPlan.isPowerOfTwo(rows.rowVector(), 16)
                || problem.layout() != Layout.NCL) {
            return false;
        }
        long stride = problem.stride();
        long windowVectors = problem.reach() + 1;
        long accumulators = (long) rows.channels() * stride;
        long lastBlockEnd = ((long) problem.padLeft() + problem.outputLength()) / stride + 2L * rows.rowVector();
        return problem.kernelSize() <= Envelope.MAX_KERNEL_SIZE
                && accumulators <= Envelope.MAX_ACCUMULATORS
                && (long) rows.channels() * problem.kernelSize() <= Envelope.MAX_UNROLLED_TAPS
                && windowVectors <= MAX_WINDOW_VECTORS
                && lastBlockEnd <= Integer.MAX_VALUE
                && (long) problem.inputLength() + rows.rowVector() + windowVectors <= Integer.MAX_VALUE;
    }

    /** The row vector is the native vector (CPU) or the GPU's channel vector; channels fill the registers. */
    @Override
    public LaunchPlan defaultPlan(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        if (device.isCpu()) {
            int registers = CpuRule.vectorRegisters(device.nativeFloatWidth());
            return new RowsPlan(CpuRule.rowsChannels(problem, registers),
                    CpuRule.nativeWidth(device, problem.dtype()), 16);
        }
        return new RowsPlan(CpuRule.rowsChannels(problem, GpuRule.rowsRegisters(problem.dtype())),
                GpuRule.channels(problem.dtype()), GpuRule.localSize(device));
    }

    @Override
    public List<LaunchPlan> space(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        List<LaunchPlan> space = new ArrayList<>();
        int width = CpuRule.nativeWidth(device, problem.dtype());
        for (int channels : new int[] {1, 2, 3, 4, 6, 8}) {
            for (int vector : new int[] {Math.max(2, width / 2), Math.max(2, width), Math.min(16, 2 * width)}) {
                for (int local : new int[] {4, 8, 16, 32, 64}) {
                    space.add(new RowsPlan(channels, vector, local));
                }
            }
        }
        return space;
    }

    public static String options(ConvProblem problem, RowsPlan plan) {
        return BuildOptions.shape(problem)
                + " -DTILE_CHANNELS=" + plan.channels()
                + " -DROW_VECTOR=" + plan.rowVector()
                + BuildOptions.activation(problem);
    }

    /** Enqueues {@code problem} into {@code y} with the weight as given, (Cin, Cout / groups, K). */
    @Override
    public ProgramKey program(ConvProblem problem, LaunchPlan plan) {
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, options(problem, (RowsPlan) plan));
    }

    @Override
    public cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer residual, ClBuffer y) {
        RowsPlan rows = (RowsPlan) plan;
        cl_kernel kernel = programs.kernel(program(problem, plan));
        SpecialisedArguments.set(programs, kernel, problem, x, weight, bias, residual, y, problem.groupOutChannels());
        long rowBlocks = (problem.rowsWithOutput() + rows.rowVector() - 1) / rows.rowVector();
        long local = rows.localSize();
        long channelBlocks = (problem.groupOutChannels() + rows.channels() - 1) / rows.channels();
        long[] global = {(rowBlocks + local - 1) / local * local, problem.groups() * channelBlocks, problem.batch()};
        return context.enqueue(kernel, KERNEL_NAME, global, new long[] {local, 1, 1});
    }
}
