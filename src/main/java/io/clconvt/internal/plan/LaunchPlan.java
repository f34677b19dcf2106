package io.clconvt.internal.plan;

import io.clconvt.DType;
import io.clconvt.DeviceInfo;
import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.kernels.ConvTranspose1dGemmKernel;
import io.clconvt.internal.kernels.ConvTranspose1dRowsKernel;
import io.clconvt.internal.kernels.ConvTranspose1dTiledKernel;
import io.clconvt.internal.plan.KernelVariant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * How one call runs: the variant and, for the phase and tiled variants, the work-item tile (output
 * channels x stride rows x phases of each row, 0 phases meaning all of them) and the work-group size
 * along the rows; for the rows variant the output channels per work-item ({@code tileChannels}) and the
 * row vector's width ({@code tileRows}); for the gemm variant its {@link GemmTile} (and
 * {@code localSize} is that tile's work-group size).
 */
public record LaunchPlan(KernelVariant variant, int tileChannels, int tileRows, int tilePhases, int localSize,
        GemmTile gemm) {
    public static final int DIRECT_LOCAL_SIZE = 64;
    /** More stride rows per work-item than this never won in tuning, whatever the registers allow. */
    public static final int MAX_DEFAULT_ROWS = 8;
    /** What a work-item needs besides its accumulators in the tiled loop: one tap's weights and one broadcast input. */
    public static final int TAP_REGISTERS = 2;
    /** {@link #tilePhases()} of a plan whose work-items keep every phase of a row. */
    public static final int ALL_PHASES = 0;
    private static final int MAX_ROWS = 64;
    private static final int MAX_LOCAL_SIZE = 1024;

    /** A plan whose work-items keep every phase of their rows. */
    public LaunchPlan(KernelVariant variant, int tileChannels, int tileRows, int localSize) {
        this(variant, tileChannels, tileRows, ALL_PHASES, localSize, null);
    }

    public LaunchPlan(KernelVariant variant, int tileChannels, int tileRows, int tilePhases, int localSize) {
        this(variant, tileChannels, tileRows, tilePhases, localSize, null);
    }

    public static LaunchPlan direct() {
        return new LaunchPlan(KernelVariant.DIRECT, 1, 1, DIRECT_LOCAL_SIZE);
    }

    public static LaunchPlan gemm(GemmTile tile) {
        return new LaunchPlan(KernelVariant.GEMM, 0, 0, ALL_PHASES, tile.mdimc() * tile.ndimc(), tile);
    }

    /**
     * The vector registers of a CPU whose native float vector holds {@code nativeFloatWidth} floats: 16
     * at a width of 8 or less (AVX2, SSE, NEON's 128-bit view), 32 at 16 (AVX-512).
     */
    public static int cpuVectorRegisters(int nativeFloatWidth) {
        return nativeFloatWidth >= 16 ? 32 : 16;
    }

    /** Elements of {@code dtype} per native vector of {@code device} (at least 1). */
    public static int nativeWidth(DeviceInfo device, DType dtype) {
        int width = dtype == DType.FLOAT64
                ? (device.nativeDoubleWidth() > 0 ? device.nativeDoubleWidth() : device.nativeFloatWidth() / 2)
                : device.nativeFloatWidth();
        return Math.max(1, Integer.highestOneBit(Math.max(1, width)));
    }

    /**
     * Stride rows per work-item on a CPU when a work-item keeps every phase of its rows: the most (a
     * power of two, at most {@link #MAX_DEFAULT_ROWS}) whose rows x stride vector accumulators plus one
     * tap's weights and a broadcast input fit the register file.
     */
    public static int cpuRows(int registers, int stride) {
        int rows = MAX_DEFAULT_ROWS;
        while (rows > 1 && (long) rows * stride + TAP_REGISTERS > registers) {
            rows /= 2;
        }
        return rows;
    }

    /**
     * How much more a weight-vector load costs the tiled loop than a broadcast input load. A work-item
     * streams its channel tile's weights (input channels x K vectors: tens to hundreds of KiB in the
     * decoder layers, beyond a first-level cache) while its input window is a few values it has just
     * read. Measured on POCL for AVX-512 and, with POCL_LLVM_CPU_NAME=haswell, AVX2 code: the plans
     * this weight makes cheapest were the fastest or within noise of them on every suite shape.
     */
    public static final int WEIGHT_LOAD_COST = 3;

    /**
     * Rows and phases per work-item of the tiled variant on a CPU ({rows, phases}) for a channel tile of
     * {@code channelTile} lanes: the pair whose tile costs least per multiply-add in loads,
     * {@link #WEIGHT_LOAD_COST}/rows (a weight vector feeds every row) + 1/phases (a broadcast input feeds
     * every phase it lands in), plus stores ({@link #storesPerMultiplyAdd}), among those whose rows x
     * phases accumulators plus one tap's weights and a broadcast input fit the register file. Rows are
     * powers of two up to {@link #MAX_DEFAULT_ROWS}; phases divide the stride, and fewer than all of
     * them need dilation 1 (the kernel enumerates a phase's taps as r + m x stride). Ties go to more rows.
     * A tile with fewer phases than the stride must also hold its input window ({@link #splitPhaseFits}).
     */
    public static int[] cpuRowsAndPhases(int registers, ConvProblem problem, int channelTile) {
        int stride = problem.stride();
        int[] best = {1, stride}; // what a register file too small for any tile gets
        double bestCost = Double.MAX_VALUE;
        for (int rows = MAX_DEFAULT_ROWS; rows >= 1; rows /= 2) {
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
     * Whether a tile of fewer phases than the stride fits with its input window: the kernel visits the
     * whole window (rows + {@link ConvProblem#reach} broadcast inputs) once for every phase and tap, so the
     * compiler keeps those broadcasts in registers beside the accumulators and one tap's weight vector,
     * and where they do not fit it spills accumulators. In AVX2 code encodec_up5's 8 rows x 1 phase
     * (8 accumulators, 9 broadcasts) kept two accumulators on the stack, each multiply-add chain then
     * running through a store and a load, and took 1.76 times as long as 2 rows x all 5 phases.
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
     * vector store per accumulator. In narrow groups (grouped_up: 32 input channels, 2 taps a phase)
     * scalar stores cost half as much as the loads of the reduction they end.
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

    /** An extract from a vector register and a scalar store. */
    public static final int SCALAR_STORE_COST = 2;

    /**
     * The built-in choice for a variant on {@code device} (AUTO picks one), derived from what the device
     * reports. CPU: the channel vector is the native vector (floats, or doubles for FLOAT64; narrower when
     * a group has fewer channels), the register file is {@link #cpuVectorRegisters}, and the rows and
     * phases per work-item follow {@link #cpuRowsAndPhases}; AUTO takes the phase variant for NCL layers
     * with one output channel per group ({@link #cpuDepthwisePlan}), rows for NCL layers whose groups have
     * at most a native vector of output channels (the row vector is the native vector), else tiled where
     * a group fills half a native vector, else the scalar phase variant. GPU and other devices:
     * AUTO takes gemm (tile from {@link #gpuGemmTile}) where a group has 16 or more output channels and
     * local memory is dedicated (tiled where it is not), else phase; the phase and tiled variants keep at
     * most 32 accumulators per work-item.
     */
    public static LaunchPlan defaultFor(ConvProblem problem, KernelVariant variant, DeviceInfo device) {
        int groupOut = problem.groupOutChannels();
        int width = nativeWidth(device, problem.dtype());
        KernelVariant chosen = variant;
        if (chosen == KernelVariant.AUTO) {
            if (device.isCpu()) {
                if (problem.layout() == Layout.NCL && groupOut == 1) {
                    return fitted(cpuDepthwisePlan(problem), problem, device);
                }
                if (problem.layout() == Layout.NCL && groupOut <= width) {
                    LaunchPlan rows = fitted(cpuPlan(problem, KernelVariant.ROWS, width, device), problem, device);
                    if (rows.variant() == KernelVariant.ROWS) {
                        return rows;
                    }
                }
                chosen = groupOut >= Math.max(2, width / 2) ? KernelVariant.TILED : KernelVariant.PHASE;
            } else if (groupOut < 16) {
                chosen = KernelVariant.PHASE;
            } else {
                // Staging slabs pays only where local memory is a dedicated on-chip store.
                chosen = device.dedicatedLocalMemory() ? KernelVariant.GEMM : KernelVariant.TILED;
            }
        }
        return fitted(device.isCpu() ? cpuPlan(problem, chosen, width, device) : gpuPlan(problem, chosen, device),
                problem, device);
    }

    /**
     * {@code plan} shrunk into its program's envelope: fewer rows (the rows variant: fewer channels)
     * shrink the accumulators, window and unrolled taps; a layer outside it even at one (or outside the
     * gemm's) runs on the direct variant.
     */
    private static LaunchPlan fitted(LaunchPlan plan, ConvProblem problem, DeviceInfo device) {
        while (!plan.supports(problem, device)) {
            if (plan.variant() == KernelVariant.ROWS && plan.tileChannels() > 1) {
                plan = new LaunchPlan(plan.variant(), plan.tileChannels() / 2, plan.tileRows(), plan.localSize());
            } else if (plan.variant() == KernelVariant.GEMM || plan.variant() == KernelVariant.ROWS
                    || plan.tileRows() == 1) {
                return direct();
            } else {
                plan = new LaunchPlan(plan.variant(), plan.tileChannels(), plan.tileRows() / 2, plan.tilePhases(),
                        plan.localSize());
            }
        }
        return plan;
    }

    /**
     * NCL layers whose groups have one output channel (depthwise), on a CPU: the scalar phase variant,
     * with as many rows as the kernel's accumulator envelope holds (rows x stride =
     * {@link ConvTranspose1dTiledKernel#MAX_ACCUMULATORS}). A CPU implementation runs a work-group's
     * work-items side by side in the vector lanes, so the accumulators are one lane each rather than whole
     * vector registers, and the register budget of the vector variants does not bound them. Timed against
     * the rows variant (a vector of rows) in one process, alternating, on POCL: 0.47 of its time at stride
     * 1, 0.77-0.80 at stride 2 (also in AVX2 code), 0.88 at stride 4; half as many rows gave 0.59, 0.90-0.95
     * and 1.03. NLC layers gained nothing from the extra rows and keep {@link #cpuRows}.
     */
    private static LaunchPlan cpuDepthwisePlan(ConvProblem problem) {
        int rows = Math.max(1, Math.min(MAX_ROWS, ConvTranspose1dTiledKernel.MAX_ACCUMULATORS / problem.stride()));
        return new LaunchPlan(KernelVariant.PHASE, 1, rows, 16);
    }

    private static LaunchPlan cpuPlan(ConvProblem problem, KernelVariant variant, int width, DeviceInfo device) {
        int registers = cpuVectorRegisters(device.nativeFloatWidth());
        int rows = cpuRows(registers, problem.stride());
        int channels = channelTile(width, problem.groupOutChannels());
        int[] tile = cpuRowsAndPhases(registers, problem, channels);
        int phases = tile[1] == problem.stride() ? ALL_PHASES : tile[1];
        return switch (variant) {
            case DIRECT, AUTO -> direct();
            case PHASE -> new LaunchPlan(KernelVariant.PHASE, 1, rows, 32);
            case TILED -> new LaunchPlan(KernelVariant.TILED, channels, tile[0], phases, 16);
            case ROWS -> new LaunchPlan(KernelVariant.ROWS, rowsChannels(problem, registers), width, 16);
            case GEMM -> gemm(cpuGemmTile(width, registers, problem.groupOutChannels()));
        };
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
    public static GemmTile cpuGemmTile(int width, int registers, int groupOut) {
        int vw = Math.max(1, width);
        int vectors = groupOut >= 2 * vw ? 2 : 1;
        int columns = MAX_DEFAULT_ROWS;
        while (columns > 1 && vectors * columns + vectors + 1 > registers) {
            columns /= 2;
        }
        int ndimc = 8;
        return new GemmTile(vectors * vw, columns * ndimc, 16, 1, ndimc, vw);
    }

    private static LaunchPlan gpuPlan(ConvProblem problem, KernelVariant variant, DeviceInfo device) {
        int channels = problem.dtype() == DType.FLOAT64 ? 2 : 4;
        int rows = 1;
        while (rows < MAX_DEFAULT_ROWS && 2L * rows * problem.stride() * channels <= 32) {
            rows *= 2;
        }
        int local = (int) Math.min(64, Math.max(1, device.maxWorkGroupSize()));
        return switch (variant) {
            case DIRECT, AUTO -> direct();
            case PHASE -> new LaunchPlan(KernelVariant.PHASE, 1, Math.max(1, rows * channels / 4), local);
            case TILED -> new LaunchPlan(KernelVariant.TILED, channels, rows, local);
            case ROWS -> new LaunchPlan(KernelVariant.ROWS, rowsChannels(problem, 32 / channels), channels, local);
            case GEMM -> gemm(gpuGemmTile(device));
        };
    }

    /**
     * A gemm tile for a GPU from CLBlast's published tuning database for its single-precision Xgemm
     * kernel (src/database/kernels/xgemm/xgemm_32.hpp; MWG, NWG, KWG, MDIMC, NDIMC, VWM), chosen by the
     * vendor in the platform or device name: NVIDIA's Pascal (SM6.1) default, AMD's and Intel's GPU
     * defaults, else the database's overall default. Not measured here: no GPU was available.
     */
    public static GemmTile gpuGemmTile(DeviceInfo device) {
        String vendor = (device.platform() + " " + device.name()).toLowerCase(Locale.ROOT);
        GemmTile tile;
        if (vendor.contains("nvidia")) {
            tile = new GemmTile(64, 64, 32, 16, 16, 4);
        } else if (vendor.contains("amd") || vendor.contains("advanced micro devices")) {
            tile = new GemmTile(64, 64, 32, 16, 8, 4);
        } else if (vendor.contains("intel")) {
            tile = new GemmTile(64, 64, 32, 16, 8, 4);
        } else {
            tile = new GemmTile(32, 32, 32, 8, 16, 4);
        }
        // A device that takes smaller work-groups than the published tile's keeps its shape in fewer threads.
        while (tile.mdimc() * tile.ndimc() > device.maxWorkGroupSize() && tile.ndimc() > 1) {
            tile = new GemmTile(tile.mwg(), tile.nwg(), tile.kwg(), tile.mdimc(), tile.ndimc() / 2, tile.vw());
        }
        return tile;
    }

    /** Whether this plan can run {@code problem} on {@code device}. */
    public boolean supports(ConvProblem problem, DeviceInfo device) {
        return switch (variant) {
            case DIRECT -> true;
            case PHASE, TILED -> ConvTranspose1dTiledKernel.supports(problem, this);
            case ROWS -> ConvTranspose1dRowsKernel.supports(problem, this);
            case GEMM -> ConvTranspose1dGemmKernel.supports(problem, gemm, device);
            case AUTO -> false;
        };
    }

    /** Elements per vector in this plan's code: channels (tiled, gemm), rows (rows), or 1 (scalar). */
    public int vectorWidth() {
        return switch (variant) {
            case TILED -> tileChannels;
            case ROWS -> tileRows;
            case GEMM -> gemm.vw();
            default -> 1;
        };
    }

    /**
     * Whether this plan is a point of its variant's plan space at all (whatever the problem): what a
     * plan read from the tuning file must be before it is used.
     */
    public boolean isWellFormed() {
        return switch (variant) {
            case DIRECT -> tileChannels == 1 && tileRows == 1 && tilePhases == ALL_PHASES
                    && isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
            case PHASE -> tileChannels == 1 && tileRows >= 1 && tileRows <= MAX_ROWS && isPhaseCount(tilePhases)
                    && isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
            case TILED -> tileChannels >= 2 && isPowerOfTwo(tileChannels, 16) && tileRows >= 1 && tileRows <= MAX_ROWS
                    && isPhaseCount(tilePhases) && isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
            case ROWS -> tileChannels >= 1 && tileChannels <= MAX_ROWS && isPowerOfTwo(tileRows, 16) && tileRows >= 2
                    && tilePhases == ALL_PHASES && isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
            case GEMM -> gemm != null && gemm.isWellFormed() && tilePhases == ALL_PHASES
                    && localSize == gemm.mdimc() * gemm.ndimc();
            case AUTO -> false;
        };
    }

    private static boolean isPhaseCount(int phases) {
        return phases == ALL_PHASES || (phases >= 1 && phases <= MAX_ROWS);
    }

    /** The phases of a row one work-item keeps for {@code problem}. */
    public int phasesOf(ConvProblem problem) {
        return tilePhases == ALL_PHASES ? problem.stride() : tilePhases;
    }

    public static boolean isPowerOfTwo(int value, int max) {
        return value >= 1 && value <= max && Integer.bitCount(value) == 1;
    }

    /** This plan with its work-group size cut to a power of two the device accepts, if it exceeds {@code limit}. */
    public LaunchPlan withLocalSizeAtMost(long limit) {
        if (localSize <= limit || variant == KernelVariant.GEMM) {
            return this; // a gemm tile's work-group is part of its shape: supports() refuses one too large
        }
        return new LaunchPlan(variant, tileChannels, tileRows, tilePhases, (int) Long.highestOneBit(Math.max(limit, 1)));
    }

    /**
     * What {@code bench --tune} and tuning on first use try for {@code problem}, in order: the built-in
     * plan (so a winner is never one the rule would beat) and its neighbours (rows, work-group and tile
     * sizes halved and doubled), every variant's built-in plan and their neighbours, then the rest of each variant's space shuffled by
     * {@code random} and taken in turn (tiled, rows, gemm, phase), so that a large space is sampled at random
     * without crowding out the smaller ones; cut to {@code limit}, only plans that support the problem and,
     * on a CPU, no vector wider than the native one.
     */
    public static List<LaunchPlan> candidates(ConvProblem problem, DeviceInfo device, SplittableRandom random, int limit) {
        Set<LaunchPlan> ordered = new LinkedHashSet<>();
        LaunchPlan auto = defaultFor(problem, KernelVariant.AUTO, device);
        ordered.add(auto);
        ordered.addAll(auto.neighbours(problem));
        List<KernelVariant> variants = List.of(KernelVariant.TILED, KernelVariant.ROWS, KernelVariant.GEMM,
                KernelVariant.PHASE);
        for (KernelVariant v : variants) {
            ordered.add(defaultFor(problem, v, device));
        }
        for (KernelVariant v : variants) {
            ordered.addAll(defaultFor(problem, v, device).neighbours(problem));
        }
        List<List<LaunchPlan>> spaces = List.of(tiledSpace(problem, device), rowsSpace(device, problem.dtype()),
                gemmSpace(), phaseSpace());
        for (List<LaunchPlan> space : spaces) {
            for (int i = space.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                LaunchPlan swap = space.get(i);
                space.set(i, space.get(j));
                space.set(j, swap);
            }
        }
        int longest = spaces.stream().mapToInt(List::size).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            for (List<LaunchPlan> space : spaces) {
                if (i < space.size()) {
                    ordered.add(space.get(i));
                }
            }
        }
        List<LaunchPlan> plans = new ArrayList<>(ordered);
        // On a CPU a vector wider than the native one only splits across registers, and POCL's compiler warns
        // on the user's stderr of every such vector its built-ins take ("changes the ABI", AVX2 and float16).
        int widest = Math.max(2, nativeWidth(device, problem.dtype()));
        plans.removeIf(plan -> plan.variant() != KernelVariant.DIRECT
                && (!plan.isWellFormed() || !plan.supports(problem, device)
                        || device.isCpu() && plan.vectorWidth() > widest));
        if (plans.isEmpty()) {
            plans.add(direct());
        }
        return new ArrayList<>(plans.subList(0, Math.min(limit, plans.size())));
    }

    /** Plans one step away from this one for {@code problem}: each size halved and doubled in turn. */
    private List<LaunchPlan> neighbours(ConvProblem problem) {
        List<LaunchPlan> near = new ArrayList<>();
        switch (variant) {
            case PHASE, TILED -> {
                for (int factor : new int[] {2, -2}) {
                    int phases = scale(phasesOf(problem), factor);
                    if (phases >= 1 && phases <= problem.stride()) {
                        near.add(new LaunchPlan(variant, tileChannels, tileRows,
                                phases == problem.stride() ? ALL_PHASES : phases, localSize));
                    }
                    near.add(new LaunchPlan(variant, tileChannels, scale(tileRows, factor), tilePhases, localSize));
                    near.add(new LaunchPlan(variant, tileChannels, tileRows, tilePhases, scale(localSize, factor)));
                    if (variant == KernelVariant.TILED) {
                        near.add(new LaunchPlan(variant, scale(tileChannels, factor), tileRows, tilePhases, localSize));
                    }
                }
            }
            case ROWS -> {
                for (int factor : new int[] {2, -2}) {
                    near.add(new LaunchPlan(variant, scale(tileChannels, factor), tileRows, localSize));
                    near.add(new LaunchPlan(variant, tileChannels, scale(tileRows, factor), localSize));
                    near.add(new LaunchPlan(variant, tileChannels, tileRows, scale(localSize, factor)));
                }
            }
            case GEMM -> {
                GemmTile t = gemm;
                for (int factor : new int[] {2, -2}) {
                    near.add(gemm(new GemmTile(t.mwg(), scale(t.nwg(), factor), t.kwg(), t.mdimc(), t.ndimc(), t.vw())));
                    near.add(gemm(new GemmTile(scale(t.mwg(), factor), t.nwg(), t.kwg(), t.mdimc(), t.ndimc(), t.vw())));
                    near.add(gemm(new GemmTile(t.mwg(), t.nwg(), scale(t.kwg(), factor), t.mdimc(), t.ndimc(), t.vw())));
                    near.add(gemm(new GemmTile(t.mwg(), scale(t.nwg(), factor), t.kwg(), t.mdimc(),
                            scale(t.ndimc(), factor), t.vw())));
                }
            }
            default -> {
            }
        }
        near.removeIf(plan -> !plan.isWellFormed());
        return near;
    }

    /** {@code value} times {@code factor}, or divided by {@code -factor} when it is negative. */
    private static int scale(int value, int factor) {
        return factor > 0 ? value * factor : value / -factor;
    }

    private static List<LaunchPlan> phaseSpace() {
        List<LaunchPlan> space = new ArrayList<>();
        for (int rows : new int[] {1, 2, 4, 8, 16}) {
            for (int local : new int[] {8, 16, 32, 64}) {
                space.add(new LaunchPlan(KernelVariant.PHASE, 1, rows, local));
            }
        }
        return space;
    }

    private static List<LaunchPlan> tiledSpace(ConvProblem problem, DeviceInfo device) {
        List<LaunchPlan> space = new ArrayList<>();
        int width = nativeWidth(device, problem.dtype());
        for (int channels : new int[] {Math.max(2, width / 4), Math.max(2, width / 2), Math.max(2, width)}) {
            for (int rows : new int[] {1, 2, 4, 8, 16}) {
                for (int phases = 1; phases <= problem.stride(); phases++) {
                    if (problem.stride() % phases != 0) {
                        continue;
                    }
                    for (int local : new int[] {4, 8, 16, 32, 64}) {
                        space.add(new LaunchPlan(KernelVariant.TILED, channels, rows,
                                phases == problem.stride() ? ALL_PHASES : phases, local));
                    }
                }
            }
        }
        return space;
    }

    private static List<LaunchPlan> rowsSpace(DeviceInfo device, DType dtype) {
        List<LaunchPlan> space = new ArrayList<>();
        int width = nativeWidth(device, dtype);
        for (int channels : new int[] {1, 2, 3, 4, 6, 8}) {
            for (int vector : new int[] {Math.max(2, width / 2), Math.max(2, width), Math.min(16, 2 * width)}) {
                for (int local : new int[] {4, 8, 16, 32, 64}) {
                    space.add(new LaunchPlan(KernelVariant.ROWS, channels, vector, local));
                }
            }
        }
        return space;
    }

    private static List<LaunchPlan> gemmSpace() {
        List<LaunchPlan> space = new ArrayList<>();
        for (int vw : new int[] {1, 2, 4, 8, 16}) {
            for (int mdimc : new int[] {1, 2, 4, 8, 16}) {
                for (int ndimc : new int[] {1, 2, 4, 8, 16}) {
                    for (int mwi : new int[] {1, 2, 4}) {
                        for (int nwi : new int[] {1, 2, 4, 8}) {
                            for (int kwg : new int[] {8, 16, 32}) {
                                LaunchPlan plan = gemm(new GemmTile(mwi * vw * mdimc, nwi * ndimc, kwg, mdimc, ndimc,
                                        vw));
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

    /**
     * The form the tuning file stores, e.g. {@code tiled:16:4:8}, {@code tiled:16:8:16:2} (2 phases per
     * work-item) or {@code gemm:64:64:32:16:8:4}.
     */
    public String encode() {
        if (variant == KernelVariant.GEMM) {
            return "gemm:" + gemm.mwg() + ":" + gemm.nwg() + ":" + gemm.kwg() + ":" + gemm.mdimc() + ":"
                    + gemm.ndimc() + ":" + gemm.vw();
        }
        return variant.name().toLowerCase(Locale.ROOT) + ":" + tileChannels + ":" + tileRows + ":" + localSize
                + (tilePhases == ALL_PHASES ? "" : ":" + tilePhases);
    }

    /** Reads {@link #encode()}'s form; null when it is not one or not {@link #isWellFormed() well formed}. */
    public static LaunchPlan parse(String encoded) {
        String[] parts = encoded.trim().split(":");
        try {
            KernelVariant variant = KernelVariant.valueOf(parts[0].toUpperCase(Locale.ROOT));
            int[] numbers = new int[parts.length - 1];
            for (int i = 0; i < numbers.length; i++) {
                numbers[i] = Integer.parseInt(parts[i + 1]);
            }
            LaunchPlan plan;
            if (variant == KernelVariant.GEMM && numbers.length == 6) {
                plan = gemm(new GemmTile(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]));
            } else if (variant != KernelVariant.GEMM && numbers.length == 3) {
                plan = new LaunchPlan(variant, numbers[0], numbers[1], numbers[2]);
            } else if (variant != KernelVariant.GEMM && numbers.length == 4) {
                plan = new LaunchPlan(variant, numbers[0], numbers[1], numbers[3], numbers[2]);
            } else {
                return null;
            }
            return plan.isWellFormed() ? plan : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return switch (variant) {
            case DIRECT -> "direct";
            case GEMM -> "gemm(" + gemm + ")";
            default -> variant.name().toLowerCase(Locale.ROOT) + "(" + tileChannels + "x" + tileRows
                    + (tilePhases == ALL_PHASES ? "" : "x" + tilePhases + " phases") + ",local " + localSize + ")";
        };
    }

    /**
     * The gemm variant's tile, named as in CLBlast's Xgemm: a work-group computes MWG output channels x
     * NWG rows with MDIMC x NDIMC work-items, each holding (MWG / MDIMC) x (NWG / NDIMC) accumulators as
     * vectors of VW channels, and stages KWG input channels of weights and input rows per step in local
     * memory.
     */
    public record GemmTile(int mwg, int nwg, int kwg, int mdimc, int ndimc, int vw) {
        /**
         * Beyond this many private accumulator elements a work-item spills on any device (16 AVX-512
         * vectors, or a GPU thread's whole register budget).
         */
        static final int MAX_ACCUMULATORS = 256;
        private static final int MAX_TILE = 256;

        public boolean isWellFormed() {
            return isPowerOfTwo(vw, 16) && isPowerOfTwo(mdimc, MAX_LOCAL_SIZE) && isPowerOfTwo(ndimc, MAX_LOCAL_SIZE)
                    && isPowerOfTwo(mwg, MAX_TILE) && isPowerOfTwo(nwg, MAX_TILE) && isPowerOfTwo(kwg, 64)
                    && mwg % (mdimc * vw) == 0 && nwg % ndimc == 0 && mdimc * ndimc <= MAX_LOCAL_SIZE
                    && (mwg / mdimc) * (nwg / ndimc) <= MAX_ACCUMULATORS;
        }

        @Override
        public String toString() {
            return mwg + "x" + nwg + "x" + kwg + ",wg " + mdimc + "x" + ndimc + ",vw " + vw;
        }
    }
}
