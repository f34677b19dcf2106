package io.clconvt.internal.plan;

import java.util.Locale;

/**
 * The form the tuning file stores a plan in: {@code variant:channels:rows:localSize[:phases]}, e.g.
 * {@code tiled:16:4:8}, {@code tiled:16:8:16:2} (2 phases per work-item), {@code rows:2:16:16} (rows:
 * channels and the row vector), {@code direct:1:1:64} or {@code gemm:64:64:32:16:8:4}.
 */
public final class PlanText {
    private PlanText() {
    }

    public static String encode(LaunchPlan plan) {
        if (plan instanceof TiledPlan tiled) {
            return name(tiled.variant()) + ":" + tiled.channels() + ":" + tiled.rows() + ":" + tiled.localSize()
                    + (tiled.phases() == TiledPlan.ALL_PHASES ? "" : ":" + tiled.phases());
        }
        if (plan instanceof RowsPlan rows) {
            return "rows:" + rows.channels() + ":" + rows.rowVector() + ":" + rows.localSize();
        }
        if (plan instanceof GemmPlan gemm) {
            GemmTile t = gemm.tile();
            return "gemm:" + t.mwg() + ":" + t.nwg() + ":" + t.kwg() + ":" + t.mdimc() + ":" + t.ndimc() + ":" + t.vw();
        }
        return "direct:1:1:" + plan.localSize();
    }

    /** Reads {@link #encode}'s form; null when it is not one or not {@link LaunchPlan#isWellFormed() well formed}. */
    public static LaunchPlan parse(String encoded) {
        String[] parts = encoded.trim().split(":");
        try {
            KernelVariant variant = KernelVariant.valueOf(parts[0].toUpperCase(Locale.ROOT));
            int[] n = new int[parts.length - 1];
            for (int i = 0; i < n.length; i++) {
                n[i] = Integer.parseInt(parts[i + 1]);
            }
            LaunchPlan plan = switch (variant) {
                case GEMM -> n.length == 6 ? new GemmPlan(new GemmTile(n[0], n[1], n[2], n[3], n[4], n[5])) : null;
                case DIRECT -> n.length == 3 && n[0] == 1 && n[1] == 1 ? new DirectPlan(n[2]) : null;
                case ROWS -> n.length == 3 ? new RowsPlan(n[0], n[1], n[2]) : null;
                case PHASE, TILED -> n.length == 3 ? new TiledPlan(n[0], n[1], n[2])
                        : n.length == 4 ? new TiledPlan(n[0], n[1], n[3], n[2]) : null;
                case AUTO -> null;
            };
            return plan != null && plan.variant() == variant && plan.isWellFormed() ? plan : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A variant's name in plans' text: {@code tiled}, {@code phase}, ... */
    static String name(KernelVariant variant) {
        return variant.name().toLowerCase(Locale.ROOT);
    }
}
