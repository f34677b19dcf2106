package io.clconvt.internal.plan;

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
        return LaunchPlan.isPowerOfTwo(vw, 16) && LaunchPlan.isPowerOfTwo(mdimc, LaunchPlan.MAX_LOCAL_SIZE)
                && LaunchPlan.isPowerOfTwo(ndimc, LaunchPlan.MAX_LOCAL_SIZE)
                && LaunchPlan.isPowerOfTwo(mwg, MAX_TILE) && LaunchPlan.isPowerOfTwo(nwg, MAX_TILE)
                && LaunchPlan.isPowerOfTwo(kwg, 64)
                && mwg % (mdimc * vw) == 0 && nwg % ndimc == 0 && mdimc * ndimc <= LaunchPlan.MAX_LOCAL_SIZE
                && (mwg / mdimc) * (nwg / ndimc) <= MAX_ACCUMULATORS;
    }

    @Override
    public String toString() {
        return mwg + "x" + nwg + "x" + kwg + ",wg " + mdimc + "x" + ndimc + ",vw " + vw;
    }
}
