package io.clconvt.internal.kernels;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.plan.CpuRule;
import io.clconvt.internal.plan.GemmPlan;
import io.clconvt.internal.plan.GemmTile;
import io.clconvt.internal.plan.GpuRule;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import java.util.ArrayList;
import java.util.List;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/conv_transpose1d_gemm.cl}, the {@code gemm} variant: an implicit GEMM per stride phase
 * with work-group tiles staged in local memory, shaped for GPUs. K, stride, dilation, the tile, layout
 * and dtype are build options; lengths and channel counts are runtime arguments. The weights are packed
 * as (Cin, K, packedGroupOut), with packedGroupOut a multiple of the tile's MWG.
 */
public final class ConvTranspose1dGemmKernel implements ConvTranspose1dImplementation {
    public static final String SOURCE_FILE = "conv_transpose1d_gemm.cl";
    public static final String KERNEL_NAME = "conv_transpose1d_gemm";
    /**
     * Work-groups along the (sample, group, phase) axis: every phase gets its own, so a huge stride with a
     * short output would launch mostly empty ones (such calls go to the direct kernel).
     */
    public static final long MAX_SLICES = 1 << 24;

    ConvTranspose1dGemmKernel() {
    }

    @Override
    public boolean runs(LaunchPlan plan) {
        return plan instanceof GemmPlan;
    }

    @Override
    public boolean serves(KernelVariant variant) {
        return variant == KernelVariant.GEMM;
    }

    /**
     * Whether the plan's tile runs {@code problem} on {@code device}: its work-group fits the device's
     * limits and its slabs (input rows with the halo of the widest phase, and one tap's weights) fit local
     * memory, and there are at most {@link #MAX_SLICES} (sample, group, phase) slices.
     */
    @Override
    public boolean supports(ConvProblem problem, LaunchPlan plan, DeviceCapabilities device) {
        if (!(plan instanceof GemmPlan gemm) || !gemm.isWellFormed()) {
            return false;
        }
        GemmTile tile = gemm.tile();
        long slabElements = tile.kwg() * (tile.nwg() + problem.reach()) + (long) tile.kwg() * tile.mwg();
        long workGroup = (long) tile.mdimc() * tile.ndimc();
        long packedWeights = (long) problem.inChannels() * problem.kernelSize()
                * WeightPacking.paddedGroupOut(problem, tile.mwg());
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

    /** CPU: {@link CpuRule#gemmTile}; GPU: {@link GpuRule#gemmTile}. */
    @Override
    public LaunchPlan defaultPlan(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        if (device.isCpu()) {
            return new GemmPlan(CpuRule.gemmTile(CpuRule.nativeWidth(device, problem.dtype()),
                    CpuRule.vectorRegisters(device.nativeFloatWidth()), problem.groupOutChannels()));
        }
        return new GemmPlan(GpuRule.gemmTile(device));
    }

    @Override
    public List<LaunchPlan> space(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        List<LaunchPlan> space = new ArrayList<>();
        for (int vw : new int[] {1, 2, 4, 8, 16}) {
            for (int mdimc : new int[] {1, 2, 4, 8, 16}) {
                for (int ndimc : new int[] {1, 2, 4, 8, 16}) {
                    for (int mwi : new int[] {1, 2, 4}) {
                        for (int nwi : new int[] {1, 2, 4, 8}) {
                            for (int kwg : new int[] {8, 16, 32}) {
                                GemmPlan plan = new GemmPlan(new GemmTile(mwi * vw * mdimc, nwi * ndimc, kwg, mdimc,
                                        ndimc, vw));
                                if (plan.isWellFormed()) {
                                    space.add(plan);
                                }
                            }
                        }
                    }
                }
            }
        }
        return space;
    }

    @Override
    public String weightLayout(ConvProblem problem, LaunchPlan plan) {
        return "gemm:" + WeightPacking.paddedGroupOut(problem, ((GemmPlan) plan).tile().mwg());
    }

    /** The weight repacked as (Cin, K, packedGroupOut), zero-padded, so that a tap's output channels are contiguous. */
    @Override
    public Tensor layWeight(Tensor weight, ConvProblem problem, LaunchPlan plan) {
        int packed = WeightPacking.paddedGroupOut(problem, ((GemmPlan) plan).tile().mwg());
        int kernelSize = problem.kernelSize();
        return WeightPacking.pack(weight, problem, new int[] {problem.inChannels(), kernelSize, packed},
                (ci, co, k) -> (ci * kernelSize + k) * packed + co);
    }

    public static String options(ConvProblem problem, GemmTile tile) {
        return BuildOptions.shape(problem)
                + " -DMWG=" + tile.mwg()
                + " -DNWG=" + tile.nwg()
                + " -DKWG=" + tile.kwg()
                + " -DMDIMC=" + tile.mdimc()
                + " -DNDIMC=" + tile.ndimc()
                + " -DVW=" + tile.vw()
                + BuildOptions.layout(problem)
                + BuildOptions.activation(problem);
    }

    @Override
    public ProgramKey program(ConvProblem problem, LaunchPlan plan) {
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, options(problem, ((GemmPlan) plan).tile()));
    }

    @Override
    public cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer residual, ClBuffer y) {
        GemmTile tile = ((GemmPlan) plan).tile();
        cl_kernel kernel = programs.kernel(program(problem, plan));
        int packed = WeightPacking.paddedGroupOut(problem, tile.mwg());
        SpecialisedArguments.set(programs, kernel, problem, x, weight, bias, residual, y, packed);
        long rowTiles = (problem.rowsWithOutput() + tile.nwg() - 1) / tile.nwg();
        long channelTiles = packed / tile.mwg();
        long[] global = {
            rowTiles * tile.ndimc(),
            channelTiles * tile.mdimc(),
            (long) problem.batch() * problem.groups() * problem.stride()};
        return context.enqueue(kernel, KERNEL_NAME, global, new long[] {tile.ndimc(), tile.mdimc(), 1});
    }
}
