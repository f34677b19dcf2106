package io.clconvt.internal.plan;

import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;

/**
 * The built-in plans' arithmetic on a CPU, derived from what the device reports: the channel vector is
 * the native vector (floats, or doubles for FLOAT64; narrower when a group has fewer channels), the
 * register file is {@link #vectorRegisters}, and a tile holds as many accumulators as that file holds
 * beside what its loop loads. Why each term is there, and what it was measured against, is in
 * docs/kernels.md.
 */
public final class CpuRule {
    /** More stride rows per work-item than this never won in tuning, whatever the registers allow. */
    public static final int MAX_DEFAULT_ROWS = 8;
    /**
     * The rows of a tiled work-item at stride 1 where {@link #takesStrideOneRows} holds: a row is then one
     * accumulator, and {@link #MAX_DEFAULT_ROWS} would leave the tile half the accumulators a stride-2 tile of
     * 8 rows holds. Measured on AVX-512 (docs/kernels.md), device time of 8 rows over 16 rows, alternating
     * call by call: 1.11-1.51 (geometric mean 1.20) on the 24 stride-1 layers of HiFi-GAN V1's residual blocks,
     * whole and in 8-frame stream windows; 1.00-1.19 on other dilated NCL layers; 1.09-1.29 at K 3 and 5.
     */
    public static final int MAX_STRIDE_ONE_ROWS = 16;
    /** What a work-item needs besides its accumulators in the tiled loop: one tap's weights and one broadcast input. */
    public static final int TAP_REGISTERS = 2;
    /**
     * How much more a weight-vector load costs the tiled loop than a broadcast input load: a work-item
     * streams its channel tile's weights (beyond a first-level cache in decoder layers) while its input
     * window is a few values it has just read.
     */
    public static final int WEIGHT_LOAD_COST = 3;
    /** An extract from a vector register and a scalar store. */
    public static final int SCALAR_STORE_COST = 2;

    private CpuRule() {
    }

    /**
     * The vector registers of a CPU whose native float vector holds {@code nativeFloatWidth} floats: 16
     * at a width of 8 or less (AVX2, SSE, NEON's 128-bit view), 32 at 16 (AVX-512).
     */
    public static int vectorRegisters(int nativeFloatWidth) {
        return nativeFloatWidth >= 16 ? 32 : 16;
    }

    /** Elements of {@code dtype} per native vector of {@code device} (at least 1). */
    public static int nativeWidth(DeviceCapabilities device, DType dtype) {
        int width = dtype == DType.FLOAT64
                ? (device.nativeDoubleWidth() > 0 ? device.nativeDoubleWidth() : device.nativeFloatWidth() / 2)
                : device.nativeFloatWidth();
        return Math.max(1, Integer.highestOneBit(Math.max(1, width)));
    }

    /**
     * Stride rows per work-item when a work-item keeps every phase of its rows: the most (a power of two,
     * at most {@link #MAX_DEFAULT_ROWS}) whose rows x stride vector accumulators plus one tap's weights
     * and a broadcast input fit the register file.
     */
    public static int rows(int registers, int stride) {
        int rows = MAX_DEFAULT_ROWS;
        while (rows > 1 && (long) rows * stride + TAP_REGISTERS > registers) {
            rows /= 2;
        }
        return rows;
    }

    /**
     * Rows and phases per work-item of the tiled variant ({rows, phases}) for a channel tile of
     * {@code channelTile} lanes: the pair whose tile costs least per multiply-add in loads,
     * {@link #WEIGHT_LOAD_COST}/rows (a weight vector feeds every row) + 1/phases (a broadcast input feeds
     * every phase it lands in), plus stores ({@link #storesPerMultiplyAdd}), among those whose rows x
     * phases accumulators plus one tap's weights and a broadcast input fit the register file. Rows are
     * powers of two up to {@link #MAX_DEFAULT_ROWS} ({@link #MAX_STRIDE_ONE_ROWS} where
     * {@link #takesStrideOneRows}); phases divide the stride, and fewer than all of them need dilation 1 (the
     * kernel enumerates a phase's taps as r + m x stride). Ties go to more rows.
     * A tile with fewer phases than the stride must also hold its input window ({@link #splitPhaseFits}).
     */
    public static int[] rowsAndPhases(int registers, ConvProblem problem, int channelTile) {
        int stride = problem.stride();
        int[] best = {1, stride}; // what a register file too small for any tile gets
        double bestCost = Double.MAX_VALUE;
        for (int rows = takesStrideOneRows(problem) ? MAX_STRIDE_ONE_ROWS : MAX_DEFAULT_ROWS; rows >= 1; rows /= 2) {
            // Phases beyond the register file never fit: visit the stride itself, then from there down.
            for (int phases = stride; phases >= 1;
                    phases = phases == stride ? Math.min(stride - 1, registers) : phases - 1) {
                boolean allowed = phases == stride || (problem.dilation() == 1 && stride % phases == 0);
                boolean fits = (long) rows * phases + TAP_REGISTERS <= registers
                        && (phases == stride || splitPhaseFits(registers, problem, rows, phases));
                double cost = (double) WEIGHT_LOAD_COST / rows + 1.0 / phases
                        + storesPerMultiplyAdd(problem, channelTile, rows, phases);
                if (allowed && fits && cost < bestCost) {
                    best = new int[] {rows, phases};
                    bestCost = cost;
                }
            }
        }
        return best;
    }

    /**
     * Whether a tiled work-item may take {@link #MAX_STRIDE_ONE_ROWS} rows: stride 1, NCL, and either dilated
     * taps or at most 5 of them. Outside that the measurements disagree from one K to the next, so the rule
     * keeps 8: at dilation 1, 16 rows ran 1.4-1.75x slower than 8 at K 7, 13 and 15 but 0.90-0.99x at K 6, 8,
     * 9 and 11 (128 and 256 channels); in NLC a dilated layer went either way (dilated_s1 1.11x slower,
     * K 11 dilation 5 1.33x faster).
     */
    public static boolean takesStrideOneRows(ConvProblem problem) {
        return problem.stride() == 1 && problem.layout() == Layout.NCL
                && (problem.dilation() > 1 || problem.kernelSize() <= 5);
    }

    /**
     * Whether a tile of fewer phases than the stride fits with its input window: the kernel visits the
     * whole window (rows + {@link ConvProblem#reach} broadcast inputs) once for every phase and tap, so the
     * compiler keeps those broadcasts in registers beside the accumulators and one tap's weight vector,
     * and where they do not fit it spills accumulators, each multiply-add chain then running through a
     * store and a load.
     */
    public static boolean splitPhaseFits(int registers, ConvProblem problem, int rows, int phases) {
        long window = rows + problem.reach();
        return (long) rows * phases + window + 1 <= registers;
    }

    /**
     * What a tiled work-item's stores cost per multiply-add, in the units of its loads: an accumulator
     * (one vector of channelTile channels at one position) receives (Cin / groups) x (the taps of its
     * phase) multiply-adds and is stored once. NLC: one vector store. NCL: the channels of a position
     * lie in different rows, so each is extracted and stored alone ({@link #SCALAR_STORE_COST} a
     * value), unless the tile holds every phase of its rows and a multiple of channelTile accumulators:
     * then the kernel transposes square blocks in registers, log2(channelTile) shuffles and one
     * vector store per accumulator.
     */
    public static double storesPerMultiplyAdd(ConvProblem problem, int channelTile, int rows, int phases) {
        int tapStep = problem.tapStep();
        double tapsPerPhase = Math.max(1.0, (double) problem.kernelSize() / tapStep);
        double multiplyAdds = problem.groupInChannels() * tapsPerPhase;
        double perAccumulator;
        if (problem.layout() == Layout.NLC) {
            perAccumulator = 1;
        } else if (channelTile > 1 && phases == problem.stride() && rows * phases % channelTile == 0) {
            perAccumulator = Integer.numberOfTrailingZeros(channelTile) + 1;
        } else {
            perAccumulator = SCALAR_STORE_COST * channelTile;
        }
        return perAccumulator / multiplyAdds;
    }

    /**
     * Output channels per work-item of the rows variant: the most (a power of two, at most the group's
     * channels and {@link #MAX_DEFAULT_ROWS}) whose channels x stride vector accumulators, the window's
     * row vectors and a broadcast weight fit {@code registers} vectors; at least one.
     */
    public static int rowsChannels(ConvProblem problem, int registers) {
        long window = problem.reach() + 1;
        int channels = 1;
        while (channels * 2 <= Math.min(problem.groupOutChannels(), MAX_DEFAULT_ROWS)
                && (long) channels * 2 * problem.stride() + window + 1 <= registers) {
            channels *= 2;
        }
        return channels;
    }

    /** The native width, halved while a group's channels fill no more than half of it (never below 2). */
    public static int channelTile(int width, int groupOut) {
        int tile = Math.max(2, width);
        while (tile > 2 && tile / 2 >= groupOut) {
            tile /= 2;
        }
        return tile;
    }

    /**
     * A gemm tile for a CPU: vectors of the native width along the output channels, one work-item row
     * per work-group column, and as many columns per work-item as the register file holds beside one
     * weight vector per channel vector and a broadcast input.
     */
    public static GemmTile gemmTile(int width, int registers, int groupOut) {
        int vw = Math.max(1, width);
        int vectors = groupOut >= 2 * vw ? 2 : 1;
        int columns = MAX_DEFAULT_ROWS;
        while (columns > 1 && vectors * columns + vectors + 1 > registers) {
            columns /= 2;
        }
        int ndimc = 8;
        return new GemmTile(vectors * vw, columns * ndimc, 16, 1, ndimc, vw);
    }
}
