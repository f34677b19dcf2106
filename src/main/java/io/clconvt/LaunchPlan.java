package io.clconvt;

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
     * The built-in choice for a variant (AUTO picks one), from measurements on POCL (see the README's
     * Performance section): a channel vector of 16 floats (8 doubles) where a group has that many
     * output channels, enough stride rows to keep about 32 accumulators live, and the scalar phase
     * variant for depthwise and narrow groups.
     */
    static LaunchPlan defaultFor(ConvProblem problem, KernelVariant variant) {
        int groupOut = problem.groupOutChannels();
        KernelVariant chosen = variant;
        if (chosen == KernelVariant.AUTO) {
            chosen = groupOut >= 8 ? KernelVariant.TILED : KernelVariant.PHASE;
        }
        int rows = Math.max(1, Math.min(8, 32 / problem.stride()));
        LaunchPlan plan = switch (chosen) {
            case DIRECT, AUTO -> direct();
            case PHASE -> new LaunchPlan(KernelVariant.PHASE, 1, rows, 32);
            case TILED -> new LaunchPlan(KernelVariant.TILED,
                    problem.dtype() == DType.FLOAT64 || groupOut <= 8 ? 8 : 16, rows, 8);
        };
        if (plan.variant() != KernelVariant.DIRECT && !ConvTranspose1dTiledKernel.supports(problem, plan)) {
            return direct();
        }
        return plan;
    }

    @Override
    public String toString() {
        return variant == KernelVariant.DIRECT
                ? "direct"
                : variant.name().toLowerCase() + "(" + tileChannels + "x" + tileRows + ",local " + localSize + ")";
    }
}
