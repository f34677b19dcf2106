package io.clconvt.internal.plan;

import io.clconvt.internal.ConvProblem;
import java.util.List;

/** The direct kernel: one work-item per output element, in work-groups of {@code localSize}. */
public record DirectPlan(int localSize) implements LaunchPlan {
    public static final int DEFAULT_LOCAL_SIZE = 64;
    static final DirectPlan DEFAULT = new DirectPlan(DEFAULT_LOCAL_SIZE);

    @Override
    public KernelVariant variant() {
        return KernelVariant.DIRECT;
    }

    @Override
    public int vectorWidth() {
        return 1;
    }

    @Override
    public boolean isWellFormed() {
        return LaunchPlan.isPowerOfTwo(localSize, MAX_LOCAL_SIZE);
    }

    @Override
    public LaunchPlan withLocalSizeAtMost(long limit) {
        return localSize <= limit ? this : new DirectPlan(LaunchPlan.powerOfTwoAtMost(limit));
    }

    @Override
    public List<LaunchPlan> neighbours(ConvProblem problem) {
        return List.of();
    }

    @Override
    public String toString() {
        return "direct";
    }
}
