package io.clconvt.internal.kernels;

import io.clconvt.DType;
import io.clconvt.DeviceInfo;
import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.LaunchPlan.GemmTile;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/conv_transpose1d_gemm.cl}, the {@code gemm} variant: an implicit GEMM
 * per stride phase with work-group tiles staged in local memory, shaped for GPUs. K, stride, dilation,
 * the tile, layout and dtype are build options; lengths and channel counts are runtime arguments. The
 * weights are packed as (Cin, K, packedGroupOut) ({@link ConvTranspose1dTiledKernel#pack(Tensor,
 * ConvProblem, int)}), with packedGroupOut a multiple of the tile's MWG.
 */
public final class ConvTranspose1dGemmKernel {
    public static final String SOURCE_FILE = "conv_transpose1d_gemm.cl";
    private static final String KERNEL_NAME = "conv_transpose1d_gemm";
    /**
     * Work-groups along the (sample, group, phase) axis: every phase gets its own, so a huge stride with a
     * short output would launch mostly empty ones (such calls go to the direct kernel).
     */
    public static final long MAX_SLICES = 1 << 24;

    private ConvTranspose1dGemmKernel() {
    }

    /**
     * Whether {@code tile} runs {@code problem} on {@code device}: its work-group fits the device's limits
     * and its slabs (input rows with the halo of the widest phase, and one tap's weights) fit local memory,
     * and there are at most {@link #MAX_SLICES} (sample, group, phase) slices.
     */
    public static boolean supports(ConvProblem problem, GemmTile tile, DeviceInfo device) {
        if (tile == null || !tile.isWellFormed()) {
            return false;
        }
        long slabElements = tile.kwg() * (tile.nwg() + problem.reach()) + (long) tile.kwg() * tile.mwg();
        long workGroup = (long) tile.mdimc() * tile.ndimc();
        long packedWeights = (long) problem.inChannels() * problem.kernelSize() * packedGroupOut(problem, tile);
        long slices = (long) problem.batch() * problem.groups() * problem.stride();
        int computeBytes = problem.dtype() == DType.FLOAT64 ? 8 : 4; // the slabs hold reals: 16-bit data widened
        return slices <= MAX_SLICES
                && workGroup <= device.maxWorkGroupSize()
                && device.maxWorkItemSizes().size() >= 2
                && tile.ndimc() <= device.maxWorkItemSizes().get(0)
                && tile.mdimc() <= device.maxWorkItemSizes().get(1)
                && slabElements * computeBytes <= device.localMemoryBytes()
                && packedWeights <= Integer.MAX_VALUE;
    }

    public static int packedGroupOut(ConvProblem problem, GemmTile tile) {
        return (problem.groupOutChannels() + tile.mwg() - 1) / tile.mwg() * tile.mwg();
    }

    public static String options(ConvProblem problem, GemmTile tile) {
        return ConvTranspose1dKernel.shapeOptions(problem)
                + " -DMWG=" + tile.mwg()
                + " -DNWG=" + tile.nwg()
                + " -DKWG=" + tile.kwg()
                + " -DMDIMC=" + tile.mdimc()
                + " -DNDIMC=" + tile.ndimc()
                + " -DVW=" + tile.vw()
                + " -DCHANNELS_LAST=" + (problem.layout() == Layout.NLC ? 1 : 0)
                + ConvTranspose1dKernel.activationOption(problem);
    }

    /** Enqueues {@code problem} into {@code y}; {@code packedWeight} is packed to {@link #packedGroupOut}. */
    public static cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, GemmTile tile,
            ClBuffer x, ClBuffer packedWeight, ClBuffer bias, ClBuffer y) {
        cl_kernel kernel = programs.kernel(SOURCE_FILE, KERNEL_NAME, options(problem, tile));
        int packed = packedGroupOut(problem, tile);
        SpecialisedArguments.set(kernel, problem, x, packedWeight, bias, y, packed);
        long rowTiles = (problem.rowsWithOutput() + tile.nwg() - 1) / tile.nwg();
        long channelTiles = packed / tile.mwg();
        long[] global = {
            rowTiles * tile.ndimc(),
            channelTiles * tile.mdimc(),
            (long) problem.batch() * problem.groups() * problem.stride()};
        return context.enqueue(kernel, KERNEL_NAME, global, new long[] {tile.ndimc(), tile.mdimc(), 1});
    }
}
