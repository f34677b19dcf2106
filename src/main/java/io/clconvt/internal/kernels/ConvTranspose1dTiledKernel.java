package io.clconvt.internal.kernels;

import io.clconvt.internal.ApiAccess;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Validation;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.KernelVariant;
import java.util.Arrays;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * Host launcher of {@code kernels/conv_transpose1d_tiled.cl}, which serves the {@code phase} variant
 * (one channel per work-item) and the {@code tiled} variant (a vector of channels per work-item). The
 * program is specialised by build options on what fixes the code's shape (K, stride, dilation, tile,
 * layout, dtype); lengths and channel counts stay runtime arguments, so a new length never rebuilds.
 */
public final class ConvTranspose1dTiledKernel {
    public static final String SOURCE_FILE = "conv_transpose1d_tiled.cl";
    private static final String KERNEL_NAME = "conv_transpose1d_tiled";
    /**
     * The envelope of the program, which unrolls its loops completely: beyond these bounds a tap loop
     * stops paying, the accumulators no longer fit in registers, POCL takes seconds to build the
     * program (it also compiles it again per work-group size), and a window of a few thousand elements
     * crashes its compiler. Layers outside use the direct variant.
     */
    public static final int MAX_KERNEL_SIZE = 64;
    /** Vector accumulators per work-item: tile rows x phases. */
    public static final int MAX_ACCUMULATORS = 32;
    /** Input values one work-item keeps per channel: tile rows + (K - 1) * dilation / stride. */
    public static final int MAX_WINDOW = 256;
    /**
     * Multiply-adds unrolled per input channel: K x tile rows with every phase, tile rows x phases x
     * ceil(K / stride) with some.
     */
    public static final int MAX_UNROLLED_TAPS = 256;
    /**
     * K x accumulators: past 16 accumulators they spill, and the build time then grows with the taps
     * that update them (K=64 at 32 accumulators took 5 to 7 s on POCL, K=32 about 2 s).
     */
    public static final int MAX_TAPS_TIMES_ACCUMULATORS = 1024;
    /** Vector widths of the tiled variant; the phase variant is width 1. */
    private static final int[] TILE_WIDTHS = {2, 4, 8, 16};

    private ConvTranspose1dTiledKernel() {
    }

    /**
     * Whether {@code plan} (a phase or tiled plan) can run {@code problem}: a well-formed tile inside the
     * envelope above, and every index the kernel computes in 32 bits within range. All in 64-bit
     * arithmetic, so no product of large parameters can wrap into the envelope.
     */
    public static boolean supports(ConvProblem problem, LaunchPlan plan) {
        boolean wellFormed = plan.tileRows() >= 1 && plan.localSize() >= 1
                && (plan.variant() == KernelVariant.PHASE ? plan.tileChannels() == 1
                        : plan.variant() == KernelVariant.TILED
                                && Arrays.stream(TILE_WIDTHS).anyMatch(width -> width == plan.tileChannels()));
        if (!wellFormed) {
            return false;
        }
        long stride = problem.stride();
        long rows = plan.tileRows();
        long phases = plan.phasesOf(problem);
        // A work-item with part of a row's phases enumerates the taps of a phase as k = r + m * stride,
        // which holds for dilation 1 only; beyond MAX_KERNEL_SIZE most phases have no tap, and the
        // phase blocks would multiply the work-items of a layer that crops its output to a few positions.
        boolean phasesFit = phases == stride || (phases >= 1 && phases < stride && stride % phases == 0
                && problem.dilation() == 1 && stride <= MAX_KERNEL_SIZE);
        long window = rows + (phaseShift(problem, plan) > 0 ? 1 : 0) + problem.reach();
        long accumulators = rows * phases;
        long tapsPerPhase = (problem.kernelSize() + stride - 1) / stride;
        long unrolledTaps = rows * (phases == stride ? problem.kernelSize() : phases * tapsPerPhase);
        // The kernel's int indices: rows of t-space (one past the last tile), input positions of a window.
        long lastTileEnd = ((long) problem.padLeft() + problem.outputLength()) / stride + 2 * rows;
        return phasesFit
                && problem.kernelSize() <= MAX_KERNEL_SIZE
                && accumulators <= MAX_ACCUMULATORS
                && problem.kernelSize() * accumulators <= MAX_TAPS_TIMES_ACCUMULATORS
                && window <= MAX_WINDOW
                && unrolledTaps <= MAX_UNROLLED_TAPS
                && lastTileEnd <= Integer.MAX_VALUE
                && (long) problem.inputLength() + window <= Integer.MAX_VALUE;
    }

    /**
     * How many phases into a row of t-space each tile starts (the kernel's PHASE_SHIFT): padLeft % stride
     * where that makes every tile's transposed vector stores aligned, so that none straddles two cache
     * lines: a channel-first output whose rows are whole vectors, and tiles of every phase whose
     * positions are whole vectors. Elsewhere 0, so that layers whose stores gain nothing share one
     * program with a shift of 0.
     */
    public static int phaseShift(ConvProblem problem, LaunchPlan plan) {
        int tile = plan.tileChannels();
        int stride = problem.stride();
        boolean alignable = plan.variant() == KernelVariant.TILED
                && problem.layout() == Layout.NCL
                && plan.phasesOf(problem) == stride
                && (long) plan.tileRows() * stride % tile == 0
                && problem.outputLength() % tile == 0;
        return alignable ? problem.padLeft() % stride : 0;
    }

    /** The output channels of a group rounded up to whole channel tiles. */
    public static int packedGroupOut(ConvProblem problem, LaunchPlan plan) {
        int tile = plan.tileChannels();
        return (problem.groupOutChannels() + tile - 1) / tile * tile;
    }

    /** Names the packed weight layout, for the device weight cache. */
    public static String packing(ConvProblem problem, LaunchPlan plan) {
        return "tiled:" + plan.tileChannels() + "x" + packedGroupOut(problem, plan);
    }

    /** Names the gemm variant's packed weight layout, for the device weight cache. */
    public static String packing(int packedGroupOut) {
        return "gemm:" + packedGroupOut;
    }

    /**
     * The weight (Cin, Cout/groups, K) repacked as (packedGroupOut / tile, Cin, K, tile), zero-padded:
     * one tap's channel tile is a contiguous vector, and all a work-item reads of the weight (its tile's
     * taps of every input channel) one contiguous slab.
     */
    public static Tensor pack(Tensor weight, ConvProblem problem, LaunchPlan plan) {
        int tile = plan.tileChannels();
        int packed = packedGroupOut(problem, plan);
        int inChannels = problem.inChannels();
        int kernelSize = problem.kernelSize();
        return pack(weight, problem, new int[] {packed / tile, inChannels, kernelSize, tile},
                (ci, co, k) -> (((co / tile) * inChannels + ci) * kernelSize + k) * tile + co % tile);
    }

    /**
     * The gemm variant's packing: the weight repacked as (Cin, K, packed), zero-padded, so that a tap's
     * output channels are contiguous.
     */
    public static Tensor pack(Tensor weight, ConvProblem problem, int packed) {
        int kernelSize = problem.kernelSize();
        return pack(weight, problem, new int[] {problem.inChannels(), kernelSize, packed},
                (ci, co, k) -> (ci * kernelSize + k) * packed + co);
    }

    /** Where element (ci, co, k) of the weight goes in a packed layout. */
    private interface PackedIndex {
        int of(int ci, int co, int k);
    }

    private interface Move {
        void move(int to, int from);
    }

    private static Tensor pack(Tensor weight, ConvProblem problem, int[] shape, PackedIndex index) {
        int elements = Validation.toIntExact("packed weight elements", Arrays.stream(shape).asLongStream()
                .reduce(1, (a, b) -> a * b));
        if (weight.dtype() == DType.FLOAT32) {
            float[] source = ApiAccess.floatData(weight);
            float[] target = new float[elements];
            forEachPackedIndex(problem, index, (to, from) -> target[to] = source[from]);
            return ApiAccess.wrap(target, shape);
        }
        if (weight.dtype().isHalf()) {
            short[] source = ApiAccess.shortData(weight);
            short[] target = new short[elements]; // zero bits: +0 in both 16-bit formats
            forEachPackedIndex(problem, index, (to, from) -> target[to] = source[from]);
            return ApiAccess.wrapHalf(weight.dtype(), target, shape);
        }
        double[] source = ApiAccess.doubleData(weight);
        double[] target = new double[elements];
        forEachPackedIndex(problem, index, (to, from) -> target[to] = source[from]);
        return ApiAccess.wrap(target, shape);
    }

    private static void forEachPackedIndex(ConvProblem problem, PackedIndex index, Move move) {
        int groupOut = problem.groupOutChannels();
        int kernelSize = problem.kernelSize();
        for (int ci = 0; ci < problem.inChannels(); ci++) {
            for (int co = 0; co < groupOut; co++) {
                for (int k = 0; k < kernelSize; k++) {
                    move.move(index.of(ci, co, k), (ci * groupOut + co) * kernelSize + k);
                }
            }
        }
    }

    public static String options(ConvProblem problem, LaunchPlan plan) {
        return ConvTranspose1dKernel.shapeOptions(problem)
                + " -DTILE_CHANNELS=" + plan.tileChannels()
                + " -DTILE_ROWS=" + plan.tileRows()
                + " -DTILE_PHASES=" + plan.phasesOf(problem)
                + " -DPHASE_SHIFT=" + phaseShift(problem, plan)
                + " -DCHANNELS_LAST=" + (problem.layout() == Layout.NLC ? 1 : 0)
                + ConvTranspose1dKernel.activationOption(problem);
    }

    /** Enqueues {@code problem} into {@code y}; {@code packedWeight} comes from {@link #pack}. */
    public static cl_event enqueue(ClContext context, ProgramCache programs, ConvProblem problem, LaunchPlan plan,
            ClBuffer x, ClBuffer packedWeight, ClBuffer bias, ClBuffer y) {
        cl_kernel kernel = programs.kernel(SOURCE_FILE, KERNEL_NAME, options(problem, plan));
        int packed = packedGroupOut(problem, plan);
        SpecialisedArguments.set(kernel, problem, x, packedWeight, bias, y, packed);
        long rowTiles = (problem.rowsWithOutput() + plan.tileRows() - 1) / plan.tileRows();
        long local = plan.localSize();
        long[] global = {
            (rowTiles + local - 1) / local * local,
            (long) problem.groups() * (packed / plan.tileChannels()) * (problem.stride() / plan.phasesOf(problem)),
            problem.batch()};
        return context.enqueue(kernel, KERNEL_NAME, global, new long[] {local, 1, 1});
    }
}
