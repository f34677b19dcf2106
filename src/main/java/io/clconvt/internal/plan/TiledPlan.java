package io.clconvt.internal.plan;

import io.clconvt.internal.ConvProblem;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiled kernel's plan: a work-item keeps {@code rows} stride rows of {@code phases} phases each
 * ({@link #ALL_PHASES}: every phase) for {@code channels} output channels, in work-groups of
 * {@code localSize} along the rows. One channel is the scalar {@code phase} variant; more are the
 * {@code tiled} variant, whose channel tile is one vector.
 */
public record TiledPlan(int channels, int rows, int phases, int localSize) implements LaunchPlan {
    /** {@link #phases()} of a plan whose work-items keep every phase of a row. */
    public static final int ALL_PHASES = 0;
    /** The channel tiles the kernel has code for; 1 is the phase variant. */
    public static final int MAX_CHANNELS = 16;

    /** A plan whose work-items keep every phase of their rows. */
    public TiledPlan(int channels, int rows, int localSize) {
        this(channels, rows, ALL_PHASES, localSize);
    }

    @Override
    public KernelVariant variant() {
        return channels == 1 ? KernelVariant.PHASE : KernelVariant.TILED;
    }

    @Override
    public int vectorWidth() {
        return channels;
    }

    /** The phases of a row one work-item keeps for {@code problem}. */
    public int phasesOf(ConvProblem problem) {
        return phases == ALL_PHASES ? problem.stride() : phases;
    }

    @Override
    public boolean isWellFormed() {
        boolean channelTile = channels == 1 || channels >= 2 && LaunchPlan.isPowerOfTwo(channels, MAX_CHANNELS);
        return channelTile && rows >= 1 && rows <= MAX_ROWS
                && (phases == ALL_PHASES || phases >= 1 && phases <= MAX_ROWS)
                && LaunchPlan.isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
    }

    @Override
    public LaunchPlan withLocalSizeAtMost(long limit) {
        return localSize <= limit ? this : new TiledPlan(channels, rows, phases, LaunchPlan.powerOfTwoAtMost(limit));
    }

    @Override
    public List<LaunchPlan> neighbours(ConvProblem problem) {
        List<LaunchPlan> near = new ArrayList<>();
        for (int factor : new int[] {2, -2}) {
            int scaledPhases = LaunchPlan.scale(phasesOf(problem), factor);
            if (scaledPhases >= 1 && scaledPhases <= problem.stride()) {
                near.add(new TiledPlan(channels, rows, scaledPhases == problem.stride() ? ALL_PHASES : scaledPhases,
                        localSize));
            }
            near.add(new TiledPlan(channels, LaunchPlan.scale(rows, factor), phases, localSize));
            near.add(new TiledPlan(channels, rows, phases, LaunchPlan.scale(localSize, factor)));
            if (channels > 1) {
                near.add(new TiledPlan(LaunchPlan.scale(channels, factor), rows, phases, localSize));
            }
        }
        near.removeIf(plan -> !plan.isWellFormed() || plan.variant() != variant());
        return near;
    }

    @Override
    public String toString() {
        return PlanText.name(variant()) + "(" + channels + "x" + rows
                + (phases == ALL_PHASES ? "" : "x" + phases + " phases") + ",local " + localSize + ")";
    }
}
