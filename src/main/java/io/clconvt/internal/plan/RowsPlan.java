package io.clconvt.internal.plan;

import io.clconvt.internal.ConvProblem;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows kernel's plan: a work-item keeps every phase of {@code channels} output channels for a
 * vector of {@code rowVector} consecutive rows, in work-groups of {@code localSize}.
 */
public record RowsPlan(int channels, int rowVector, int localSize) implements LaunchPlan {
    @Override
    public KernelVariant variant() {
        return KernelVariant.ROWS;
    }

    @Override
    public int vectorWidth() {
        return rowVector;
    }

    @Override
    public boolean isWellFormed() {
        return channels >= 1 && channels <= MAX_ROWS && rowVector >= 2 && LaunchPlan.isPowerOfTwo(rowVector, 16)
                && LaunchPlan.isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
    }

    @Override
    public LaunchPlan withLocalSizeAtMost(long limit) {
        return localSize <= limit ? this : new RowsPlan(channels, rowVector, LaunchPlan.powerOfTwoAtMost(limit));
    }

    @Override
    public List<LaunchPlan> neighbours(ConvProblem problem) {
        List<LaunchPlan> near = new ArrayList<>();
        for (int factor : new int[] {2, -2}) {
            near.add(new RowsPlan(LaunchPlan.scale(channels, factor), rowVector, localSize));
            near.add(new RowsPlan(channels, LaunchPlan.scale(rowVector, factor), localSize));
            near.add(new RowsPlan(channels, rowVector, LaunchPlan.scale(localSize, factor)));
        }
        near.removeIf(plan -> !plan.isWellFormed());
        return near;
    }

    @Override
    public String toString() {
        return "rows(" + channels + "x" + rowVector + ",local " + localSize + ")";
    }
}
