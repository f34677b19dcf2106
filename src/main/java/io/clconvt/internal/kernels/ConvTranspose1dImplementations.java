package io.clconvt.internal.kernels;

import io.clconvt.Layout;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.plan.CpuRule;
import io.clconvt.internal.plan.GemmPlan;
import io.clconvt.internal.plan.GemmTile;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.internal.plan.RowsPlan;
import io.clconvt.internal.plan.TiledPlan;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The transposed convolution's implementations and the built-in rule that picks among them: an
 * operation is its descriptor ({@link ConvProblem}) and this list. A plan outside its implementation's
 * envelope shrinks ({@link #fitted}), and what still does not fit falls through to the direct kernel.
 */
public final class ConvTranspose1dImplementations {
    /** {@link ConvTranspose1dImplementation#weightLayout} of a weight used as given, (Cin, Cout / groups, K). */
    public static final String GIVEN_LAYOUT = "plain";
    public static final ConvTranspose1dImplementation DIRECT = new ConvTranspose1dKernel();
    public static final ConvTranspose1dImplementation TILED = new ConvTranspose1dTiledKernel();
    public static final ConvTranspose1dImplementation ROWS = new ConvTranspose1dRowsKernel();
    public static final ConvTranspose1dImplementation GEMM = new ConvTranspose1dGemmKernel();
    public static final List<ConvTranspose1dImplementation> ALL = List.of(TILED, ROWS, GEMM, DIRECT);
    /** The order in which the tuner interleaves the variants' spaces, so no large space crowds out a small one. */
    private static final List<KernelVariant> SEARCHED = List.of(KernelVariant.TILED, KernelVariant.ROWS,
            KernelVariant.GEMM, KernelVariant.PHASE);

    private ConvTranspose1dImplementations() {
    }

    /** The implementation that runs {@code plan}. */
    public static ConvTranspose1dImplementation of(LaunchPlan plan) {
        return ALL.stream().filter(implementation -> implementation.runs(plan)).findFirst().orElseThrow();
    }

    private static ConvTranspose1dImplementation serving(KernelVariant variant) {
        return ALL.stream().filter(implementation -> implementation.serves(variant)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no implementation runs " + variant));
    }

    /** Whether {@code plan} can run {@code problem} on {@code device}. */
    public static boolean supports(ConvProblem problem, LaunchPlan plan, DeviceCapabilities device) {
        return of(plan).supports(problem, plan, device);
    }

    /**
     * The built-in choice for a variant on {@code device} (AUTO picks one), derived from what the device
     * reports. CPU: AUTO takes the phase variant for NCL layers with one output channel per group
     * ({@link #cpuDepthwisePlan}), rows for NCL layers whose groups have at most a native vector of output
     * channels, else tiled where a group fills half a native vector, else the scalar phase variant. GPU
     * and other devices: AUTO takes gemm where a group has 16 or more output channels and local memory
     * is dedicated (tiled where it is not), else phase. Each implementation's own plan comes from
     * {@link CpuRule} or {@link io.clconvt.internal.plan.GpuRule}.
     */
    public static LaunchPlan defaultFor(ConvProblem problem, KernelVariant variant, DeviceCapabilities device) {
        if (variant == KernelVariant.AUTO) {
            int groupOut = problem.groupOutChannels();
            int width = CpuRule.nativeWidth(device, problem.dtype());
            if (device.isCpu()) {
                if (problem.layout() == Layout.NCL && groupOut == 1) {
                    return fitted(cpuDepthwisePlan(problem), problem, device);
                }
                if (problem.layout() == Layout.NCL && groupOut <= width) {
                    LaunchPlan rows = fitted(ROWS.defaultPlan(problem, KernelVariant.ROWS, device), problem, device);
                    if (rows instanceof RowsPlan) {
                        return rows;
                    }
                }
                variant = groupOut >= Math.max(2, width / 2) ? KernelVariant.TILED : KernelVariant.PHASE;
            } else if (groupOut < 16) {
                variant = KernelVariant.PHASE;
            } else {
                // Staging slabs pays only where local memory is a dedicated on-chip store.
                variant = device.dedicatedLocalMemory() ? KernelVariant.GEMM : KernelVariant.TILED;
            }
        }
        return fitted(serving(variant).defaultPlan(problem, variant, device), problem, device);
    }

    /**
     * {@code plan} shrunk to fit: its work-group to the device's limits, then into its implementation's
     * envelope. Fewer rows (the rows variant: fewer channels) shrink the accumulators, window and
     * unrolled taps; a gemm tile is halved along whichever dimension the device is short of
     * ({@link #smaller}). A layer outside the envelope even at the smallest runs on the direct kernel.
     */
    private static LaunchPlan fitted(LaunchPlan plan, ConvProblem problem, DeviceCapabilities device) {
        plan = plan.withLocalSizeAtMost(workGroupLimit(device));
        while (!supports(problem, plan, device)) {
            if (plan instanceof RowsPlan rows && rows.channels() > 1) {
                plan = new RowsPlan(rows.channels() / 2, rows.rowVector(), rows.localSize());
            } else if (plan instanceof TiledPlan tiled && tiled.rows() > 1) {
                plan = new TiledPlan(tiled.channels(), tiled.rows() / 2, tiled.phases(), tiled.localSize());
            } else if (plan instanceof GemmPlan gemm && smaller(gemm.tile(), device) != null) {
                plan = new GemmPlan(smaller(gemm.tile(), device));
            } else {
                return LaunchPlan.direct();
            }
        }
        return plan;
    }

    /** The largest one-dimensional work-group the device takes. */
    private static long workGroupLimit(DeviceCapabilities device) {
        List<Long> items = device.maxWorkItemSizes();
        return items.isEmpty() ? device.maxWorkGroupSize() : Math.min(device.maxWorkGroupSize(), items.get(0));
    }

    /**
     * {@code tile} one step smaller, or null when it cannot shrink: a work-group the device refuses loses
     * half its larger side together with half the tile along it (each work-item keeps its accumulators);
     * otherwise, for local memory, the slabs shrink: half the input channels per step (KWG), then half the
     * rows (NWG), then half the channels (MWG).
     */
    static GemmTile smaller(GemmTile tile, DeviceCapabilities device) {
        List<Long> items = device.maxWorkItemSizes();
        boolean wideGroup = (long) tile.mdimc() * tile.ndimc() > device.maxWorkGroupSize()
                || items.size() >= 2 && (tile.ndimc() > items.get(0) || tile.mdimc() > items.get(1));
        GemmTile next = null;
        if (wideGroup && tile.ndimc() >= tile.mdimc() && tile.ndimc() > 1) {
            next = new GemmTile(tile.mwg(), tile.nwg() / 2, tile.kwg(), tile.mdimc(), tile.ndimc() / 2, tile.vw());
        } else if (wideGroup && tile.mdimc() > 1) {
            next = new GemmTile(tile.mwg() / 2, tile.nwg(), tile.kwg(), tile.mdimc() / 2, tile.ndimc(), tile.vw());
        } else if (!wideGroup && tile.kwg() > 1) {
            next = new GemmTile(tile.mwg(), tile.nwg(), tile.kwg() / 2, tile.mdimc(), tile.ndimc(), tile.vw());
        } else if (!wideGroup && tile.nwg() > tile.ndimc()) {
            next = new GemmTile(tile.mwg(), tile.nwg() / 2, tile.kwg(), tile.mdimc(), tile.ndimc(), tile.vw());
        } else if (!wideGroup && tile.mwg() > tile.mdimc() * tile.vw()) {
            next = new GemmTile(tile.mwg() / 2, tile.nwg(), tile.kwg(), tile.mdimc(), tile.ndimc(), tile.vw());
        }
        return next != null && next.isWellFormed() ? next : null;
    }

    /**
     * NCL layers whose groups have one output channel (depthwise), on a CPU: the scalar phase variant,
     * with as many rows as the kernel's accumulator envelope holds (rows x stride =
     * {@link Envelope#MAX_ACCUMULATORS}). A CPU implementation runs a work-group's work-items side by side
     * in the vector lanes, so the accumulators are one lane each rather than whole vector registers, and
     * the register budget of the vector variants does not bound them. NLC layers gained nothing from the
     * extra rows and keep {@link CpuRule#rows}.
     */
    private static LaunchPlan cpuDepthwisePlan(ConvProblem problem) {
        int rows = Math.max(1, Math.min(LaunchPlan.MAX_ROWS, Envelope.MAX_ACCUMULATORS / problem.stride()));
        return new TiledPlan(1, rows, 16);
    }

    /**
     * What {@code bench --tune} and tuning on first use try for {@code problem}, in order: the built-in
     * plan (so a winner is never one the rule would beat) and its neighbours, every variant's built-in
     * plan and their neighbours, then the rest of each variant's space shuffled by {@code random} and
     * taken in turn, so that a large space is sampled at random without crowding out the smaller ones;
     * cut to {@code limit}, only plans that support the problem and, on a CPU, no vector wider than the
     * native one.
     */
    public static List<LaunchPlan> candidates(ConvProblem problem, DeviceCapabilities device, SplittableRandom random,
            int limit) {
        Set<LaunchPlan> ordered = new LinkedHashSet<>();
        LaunchPlan auto = defaultFor(problem, KernelVariant.AUTO, device);
        ordered.add(auto);
        ordered.addAll(auto.neighbours(problem));
        for (KernelVariant variant : SEARCHED) {
            ordered.add(defaultFor(problem, variant, device));
        }
        for (KernelVariant variant : SEARCHED) {
            ordered.addAll(defaultFor(problem, variant, device).neighbours(problem));
        }
        List<List<LaunchPlan>> spaces = new ArrayList<>();
        for (KernelVariant variant : SEARCHED) {
            List<LaunchPlan> space = new ArrayList<>(serving(variant).space(problem, variant, device));
            for (int i = space.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                LaunchPlan swap = space.get(i);
                space.set(i, space.get(j));
                space.set(j, swap);
            }
            spaces.add(space);
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
        int widest = Math.max(2, CpuRule.nativeWidth(device, problem.dtype()));
        plans.removeIf(plan -> plan.variant() != KernelVariant.DIRECT
                && (!plan.isWellFormed() || !supports(problem, plan, device)
                        || device.isCpu() && plan.vectorWidth() > widest));
        if (plans.isEmpty()) {
            plans.add(LaunchPlan.direct());
        }
        return new ArrayList<>(plans.subList(0, Math.min(limit, plans.size())));
    }
}
