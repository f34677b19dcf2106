package io.clconvt.internal.plan;

import io.clconvt.internal.ConvProblem;
import java.util.ArrayList;
import java.util.List;

/** The gemm kernel's plan: its {@link GemmTile}, whose work-group is part of the tile. */
public record GemmPlan(GemmTile tile) implements LaunchPlan {
    @Override
    public KernelVariant variant() {
        return KernelVariant.GEMM;
    }

    @Override
    public int localSize() {
        return tile.mdimc() * tile.ndimc();
    }

    @Override
    public int vectorWidth() {
        return tile.vw();
    }

    @Override
    public boolean isWellFormed() {
        return tile != null && tile.isWellFormed();
    }

    /** A gemm tile's work-group is part of its shape: the implementation refuses one too large instead. */
    @Override
    public LaunchPlan withLocalSizeAtMost(long limit) {
        return this;
    }

    @Override
    public List<LaunchPlan> neighbours(ConvProblem problem) {
        GemmTile t = tile;
        List<LaunchPlan> near = new ArrayList<>();
        for (int factor : new int[] {2, -2}) {
            int nwg = LaunchPlan.scale(t.nwg(), factor);
            near.add(new GemmPlan(new GemmTile(t.mwg(), nwg, t.kwg(), t.mdimc(), t.ndimc(), t.vw())));
            near.add(new GemmPlan(new GemmTile(LaunchPlan.scale(t.mwg(), factor), t.nwg(), t.kwg(), t.mdimc(),
                    t.ndimc(), t.vw())));
            near.add(new GemmPlan(new GemmTile(t.mwg(), t.nwg(), LaunchPlan.scale(t.kwg(), factor), t.mdimc(),
                    t.ndimc(), t.vw())));
            near.add(new GemmPlan(new GemmTile(t.mwg(), nwg, t.kwg(), t.mdimc(), LaunchPlan.scale(t.ndimc(), factor),
                    t.vw())));
        }
        near.removeIf(plan -> !plan.isWellFormed());
        return near;
    }

    @Override
    public String toString() {
        return "gemm(" + tile + ")";
    }
}
