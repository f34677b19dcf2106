package io.clconvt;

import io.clconvt.bench.KernelVariant;
import java.util.ArrayList;
import java.util.List;

/**
 * How one call runs: the variant and, for the phase and tiled variants, the work-item tile
 * (output channels x stride rows) and the work-group size along the rows.
 */
record LaunchPlan(KernelVariant variant, int tileChannels, int tileRows, int localSize) {
    static final int DIRECT_LOCAL_SIZE = 64;

    static LaunchPlan direct() {
        return new LaunchPlan(KernelVariant.DIRECT, 1, 1, DIRECT_LOCAL_SIZE);
    }

    /**
     * The built-in choice for a variant (AUTO picks one), from {@code bench --tune} on POCL (see the
     * README's Performance section): a channel vector of 16 floats (8 doubles) where a group has more
     * than 8 output channels, work-groups of 16, and 8 stride rows per work-item up to stride 2, else
     * 4: a work-item keeps rows x stride vector accumulators, and beyond about 16 of them they no
     * longer fit in registers (AVX-512 has 32, the tap's weights need some). The scalar phase variant
     * serves depthwise and narrow groups.
     */
    static LaunchPlan defaultFor(ConvProblem problem, KernelVariant variant) {
        int groupOut = problem.groupOutChannels();
        KernelVariant chosen = variant;
        if (chosen == KernelVariant.AUTO) {
            chosen = groupOut >= 8 ? KernelVariant.TILED : KernelVariant.PHASE;
        }
        int rows = problem.stride() <= 2 ? 8 : 4;
        LaunchPlan plan = switch (chosen) {
            case DIRECT, AUTO -> direct();
            case PHASE -> new LaunchPlan(KernelVariant.PHASE, 1, rows, 32);
            case TILED -> new LaunchPlan(KernelVariant.TILED,
                    problem.dtype() == DType.FLOAT64 || groupOut <= 8 ? 8 : 16, rows, 16);
        };
        if (plan.variant() == KernelVariant.DIRECT) {
            return plan;
        }
        // Fewer rows shrink the accumulators, window and unrolled taps into the program's envelope;
        // a layer outside it even at one row runs on the direct variant.
        while (!ConvTranspose1dTiledKernel.supports(problem, plan)) {
            if (plan.tileRows() == 1) {
                return direct();
            }
            plan = new LaunchPlan(plan.variant(), plan.tileChannels(), plan.tileRows() / 2, plan.localSize());
        }
        return plan;
    }

    /** This plan with its work-group size cut to a power of two the device accepts, if it exceeds {@code limit}. */
    LaunchPlan withLocalSizeAtMost(long limit) {
        return localSize <= limit ? this
                : new LaunchPlan(variant, tileChannels, tileRows, (int) Long.highestOneBit(Math.max(limit, 1)));
    }

    /** What {@code bench --tune} tries for {@code problem}: phase and tiled plans around the defaults. */
    static List<LaunchPlan> candidates(ConvProblem problem) {
        List<LaunchPlan> plans = new ArrayList<>();
        for (int rows : new int[] {4, 8, 16}) {
            for (int local : new int[] {8, 32}) {
                plans.add(new LaunchPlan(KernelVariant.PHASE, 1, rows, local));
            }
        }
        int[] widths = problem.dtype() == DType.FLOAT64 ? new int[] {4, 8} : new int[] {8, 16};
        for (int width : widths) {
            for (int rows : new int[] {1, 2, 4, 8}) {
                for (int local : new int[] {4, 8, 16}) {
                    plans.add(new LaunchPlan(KernelVariant.TILED, width, rows, local));
                }
            }
        }
        plans.removeIf(plan -> !ConvTranspose1dTiledKernel.supports(problem, plan));
        if (plans.isEmpty()) {
            plans.add(direct());
        }
        return plans;
    }

    /** The form the tuning file stores, e.g. {@code tiled:16:4:8}. */
    String encode() {
        return variant.name().toLowerCase() + ":" + tileChannels + ":" + tileRows + ":" + localSize;
    }

    /** Reads {@link #encode()}'s form; null when it is not one (a file from another version). */
    static LaunchPlan parse(String encoded) {
        String[] parts = encoded.split(":");
        try {
            return new LaunchPlan(KernelVariant.valueOf(parts[0].toUpperCase()), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return variant == KernelVariant.DIRECT
                ? "direct"
                : variant.name().toLowerCase() + "(" + tileChannels + "x" + tileRows + ",local " + localSize + ")";
    }
}
