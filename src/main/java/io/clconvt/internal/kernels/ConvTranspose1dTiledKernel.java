package io.clconvt.internal.kernels;

import io.clconvt.Activation;
import io.clconvt.Layout;
import io.clconvt.Tensor;
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
import io.clconvt.internal.plan.TiledPlan;
import java.util.ArrayList;
import java.util.List;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/conv_transpose1d_tiled.cl}, which serves the {@code phase} variant (one channel per
 * work-item) and the {@code tiled} variant (a vector of channels per work-item). The program is
 * specialised by build options on what fixes the code's shape (K, stride, dilation, tile, layout,
 * dtype); lengths and channel counts stay runtime arguments, so a new length never rebuilds.
 */
public final class ConvTranspose1dTiledKernel implements ConvTranspose1dImplementation {
    public static final String SOURCE_FILE = "conv_transpose1d_tiled.cl";
    public static final String KERNEL_NAME = "conv_transpose1d_tiled";
    /** Input values one work-item keeps per channel: tile rows + (K - 1) * dilation / stride. */
    public static final int MAX_WINDOW = 256;
    /** K x accumulators: past 16 accumulators they spill, and the build time then grows with the taps. */
    public static final int MAX_TAPS_TIMES_ACCUMULATORS = 1024;

    ConvTranspose1dTiledKernel() {
    }

    @Override
    public boolean runs(LaunchPlan plan) {
        return plan instanceof TiledPlan;
    }

    @Override
    public boolean serves(KernelVariant variant) {
        return variant == KernelVariant.PHASE || variant == KernelVariant.TILED;
    }

    /**
     * No: each work-item activates its whole input window for every input channel, rows plus the reach
     * ((K - 1) x dilation / stride) scalar loads, compares and selects, where without an activation the
     * compiler folds each tap's broadcast into its multiply-add. On POCL (AVX-512, 2 cores) that made HiFi-GAN's
     * residual-block convolutions 1.6 to 2.2x slower (32 channels, K 7, dilation 12, L 22,016: 2.18 ms against
     * 0.98 ms) than a separate activation pass (0.1 ms) and the plain convolution.
     */
    @Override
    public boolean fusesInputActivation(LaunchPlan plan) {
        return false;
    }

    /**
     * Whether {@code plan} (a phase or tiled plan) can run {@code problem}: a well-formed tile inside the
     * {@link Envelope} and the window bound above, and every index the kernel computes in 32 bits within range. All in
     * 64-bit arithmetic, so no product of large parameters can wrap into the envelope.
     */
    @Override
    public boolean supports(ConvProblem problem, LaunchPlan plan, DeviceCapabilities device) {
        if (!(plan instanceof TiledPlan tile) || tile.rows() < 1 || tile.localSize() < 1
                || tile.channels() != 1 && !LaunchPlan.isPowerOfTwo(tile.channels(), TiledPlan.MAX_CHANNELS)
) {
            return false;
        }
        long stride = problem.stride();
        long rows = tile.rows();
        long phases = tile.phasesOf(problem);
        // A work-item with part of a row's phases enumerates the taps of a phase as k = r + m * stride,
        // which holds for dilation 1 only; beyond Envelope.MAX_KERNEL_SIZE most phases have no tap, and the
        // phase blocks would multiply the work-items of a layer that crops its output to a few positions.
        boolean phasesFit = phases == stride || (phases >= 1 && phases < stride && stride % phases == 0
                && problem.dilation() == 1 && stride <= Envelope.MAX_KERNEL_SIZE);
        long window = rows + (phaseShift(problem, tile) > 0 ? 1 : 0) + problem.reach();
        long accumulators = rows * phases;
        long tapsPerPhase = (problem.kernelSize() + stride - 1) / stride;
        long unrolledTaps = rows * (phases == stride ? problem.kernelSize() : phases * tapsPerPhase);
        // The kernel's int indices: rows of t-space (one past the last tile), input positions of a window.
        long lastTileEnd = ((long) problem.padLeft() + problem.outputLength()) / stride + 2 * rows;
        return phasesFit
                && problem.kernelSize() <= Envelope.MAX_KERNEL_SIZE
                && accumulators <= Envelope.MAX_ACCUMULATORS
                && problem.kernelSize() * accumulators <= MAX_TAPS_TIMES_ACCUMULATORS
                && window <= MAX_WINDOW
                && unrolledTaps <= Envelope.MAX_UNROLLED_TAPS
                && lastTileEnd <= Integer.MAX_VALUE
                && (long) problem.inputLength() + window <= Integer.MAX_VALUE;
    }

    /**
     * CPU: the phase variant keeps {@link CpuRule#rows} rows of every phase; the tiled variant a native
     * channel vector ({@link CpuRule#channelTile}) of {@link CpuRule#rowsAndPhases}. GPU: float4
     * (double2) channel tiles of {@link GpuRule#rows}.
     */
    @Override
    public LaunchPlan defaultPlan(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        boolean phase = variant == KernelVariant.PHASE;
        if (device.isCpu()) {
            int registers = CpuRule.vectorRegisters(device.nativeFloatWidth());
            if (phase) {
                return new TiledPlan(1, CpuRule.rows(registers, problem.stride()), 32);
            }
            int channels = CpuRule.channelTile(CpuRule.nativeWidth(device, problem.dtype()),
                    problem.groupOutChannels());
            int[] tile = CpuRule.rowsAndPhases(registers, problem, channels);
            return new TiledPlan(channels, tile[0], tile[1] == problem.stride() ? TiledPlan.ALL_PHASES : tile[1], 16);
        }
        int channels = GpuRule.channels(problem.dtype());
        int rows = GpuRule.rows(problem);
        int local = GpuRule.localSize(device);
        return phase ? new TiledPlan(1, Math.max(1, rows * channels / 4), local) : new TiledPlan(channels, rows, local);
    }

    @Override
    public List<LaunchPlan> space(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        List<LaunchPlan> space = new ArrayList<>();
        if (variant == KernelVariant.PHASE) {
            for (int rows : new int[] {1, 2, 4, 8, 16}) {
                for (int local : new int[] {8, 16, 32, 64}) {
                    space.add(new TiledPlan(1, rows, local));
                }
            }
            return space;
        }
        int width = CpuRule.nativeWidth(device, problem.dtype());
        for (int channels : new int[] {Math.max(2, width / 4), Math.max(2, width / 2), Math.max(2, width)}) {
            for (int rows : new int[] {1, 2, 4, 8, 16}) {
                for (int phases = 1; phases <= problem.stride(); phases++) {
                    if (problem.stride() % phases != 0) {
                        continue;
                    }
                    for (int local : new int[] {4, 8, 16, 32, 64}) {
                        space.add(new TiledPlan(channels, rows,
                                phases == problem.stride() ? TiledPlan.ALL_PHASES : phases, local));
                    }
                }
            }
        }
        return space;
    }

    /**
     * How many phases into a row of t-space each tile starts (the kernel's PHASE_SHIFT): padLeft % stride
     * where that makes every tile's transposed vector stores aligned, so that none straddles two cache
     * lines: a channel-first output whose rows are whole vectors, and tiles of every phase whose
     * positions are whole vectors. Elsewhere 0, so that layers whose stores gain nothing share one
     * program with a shift of 0.
     */
    public static int phaseShift(ConvProblem problem, TiledPlan plan) {
        int tile = plan.channels();
        int stride = problem.stride();
        boolean alignable = plan.variant() == KernelVariant.TILED
                && problem.layout() == Layout.NCL
                && plan.phasesOf(problem) == stride
                && (long) plan.rows() * stride % tile == 0
                && problem.outputLength() % tile == 0;
        return alignable ? problem.padLeft() % stride : 0;
    }

    /** Names the packed weight layout, for the device weight cache. */
    @Override
    public String weightLayout(ConvProblem problem, LaunchPlan plan) {
        int tile = ((TiledPlan) plan).channels();
        return "tiled:" + tile + "x" + WeightPacking.paddedGroupOut(problem, tile);
    }

    /**
     * The weight (Cin, Cout/groups, K) repacked as (packedGroupOut / tile, Cin, K, tile), zero-padded:
     * one tap's channel tile is a contiguous vector, and all a work-item reads of the weight (its tile's
     * taps of every input channel) one contiguous slab.
     */
    @Override
    public Tensor layWeight(Tensor weight, ConvProblem problem, LaunchPlan plan) {
        int tile = ((TiledPlan) plan).channels();
        int packed = WeightPacking.paddedGroupOut(problem, tile);
        int inChannels = problem.inChannels();
        int kernelSize = problem.kernelSize();
        return WeightPacking.pack(weight, problem, new int[] {packed / tile, inChannels, kernelSize, tile},
                (ci, co, k) -> (((co / tile) * inChannels + ci) * kernelSize + k) * tile + co % tile);
    }

    public static String options(ConvProblem problem, TiledPlan plan) {
        return BuildOptions.shape(problem)
                + " -DTILE_CHANNELS=" + plan.channels()
                + " -DTILE_ROWS=" + plan.rows()
                + " -DTILE_PHASES=" + plan.phasesOf(problem)
                + " -DPHASE_SHIFT=" + phaseShift(problem, plan)
                + BuildOptions.layout(problem)
                + BuildOptions.activation(problem);
    }

    @Override
    public ProgramKey program(ConvProblem problem, LaunchPlan plan) {
        if (problem.inputActivation() != Activation.NONE) {
            throw new IllegalStateException("the tiled kernel fuses no input activation ("
                    + problem.inputActivation() + "): the backend activates the input in a pass first");
        }
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, options(problem, (TiledPlan) plan));
    }

    @Override
    public cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer weight, ClBuffer bias, ClBuffer residual, ClBuffer y) {
        TiledPlan tile = (TiledPlan) plan;
        cl_kernel kernel = programs.kernel(program(problem, plan));
        int packed = WeightPacking.paddedGroupOut(problem, tile.channels());
        SpecialisedArguments.set(programs, kernel, problem, x, weight, bias, residual, y, packed);
        long rowTiles = (problem.rowsWithOutput() + tile.rows() - 1) / tile.rows();
        long local = tile.localSize();
        long[] global = {
            (rowTiles + local - 1) / local * local,
            (long) problem.groups() * (packed / tile.channels()) * (problem.stride() / tile.phasesOf(problem)),
            problem.batch()};
        return context.enqueue(kernel, KERNEL_NAME, global, new long[] {local, 1, 1});
    }
}
