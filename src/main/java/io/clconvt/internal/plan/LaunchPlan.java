package io.clconvt.internal.plan;

import io.clconvt.internal.ConvProblem;
import java.util.List;

/**
 * How one call runs: one record per kernel family, each with only its own tile. The rules that choose
 * a plan ({@link CpuRule}, {@link GpuRule}), its text form ({@link PlanText}) and the implementations
 * that run it (in {@code io.clconvt.internal.kernels}) are separate.
 */
public sealed interface LaunchPlan permits DirectPlan, TiledPlan, RowsPlan, GemmPlan {
    /** The most rows, channels or phases a tile of the tuning space takes along one axis. */
    int MAX_ROWS = 64;
    int MAX_LOCAL_SIZE = 1024;

    /** The variant this plan runs, as the benchmark and the tuning file name it. */
    KernelVariant variant();

    /** Work-items per work-group along the first axis. */
    int localSize();

    /** Elements per vector in this plan's code (1 for scalar code). */
    int vectorWidth();

    /**
     * Whether this plan is a point of its family's plan space at all (whatever the problem): what a
     * plan read from the tuning file must be before it is used.
     */
    boolean isWellFormed();

    /** This plan with its work-group size cut to a power of two the device accepts, if it exceeds {@code limit}. */
    LaunchPlan withLocalSizeAtMost(long limit);

    /** Plans one step away from this one for {@code problem}, each size halved and doubled in turn; well formed. */
    List<LaunchPlan> neighbours(ConvProblem problem);

    static LaunchPlan direct() {
        return DirectPlan.DEFAULT;
    }

    static boolean isPowerOfTwo(int value, int max) {
        return value >= 1 && value <= max && Integer.bitCount(value) == 1;
    }

    /** The largest power of two at most {@code limit} (and at least 1). */
    static int powerOfTwoAtMost(long limit) {
        return (int) Long.highestOneBit(Math.max(limit, 1));
    }

    /** {@code value} times {@code factor}, or divided by {@code -factor} when it is negative. */
    static int scale(int value, int factor) {
        return factor > 0 ? value * factor : value / -factor;
    }
}
