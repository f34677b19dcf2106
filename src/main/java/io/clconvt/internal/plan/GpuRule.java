package io.clconvt.internal.plan;

import io.clconvt.DType;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceCapabilities;
import java.util.Locale;

/**
 * The built-in plans' arithmetic on GPUs and other non-CPU devices: the phase and tiled variants keep
 * at most 32 accumulators per work-item, and the gemm tile comes from CLBlast's published tuning
 * database. Not measured here: no GPU was available.
 */
public final class GpuRule {
    private static final int MAX_ACCUMULATORS = 32;

    private GpuRule() {
    }

    /** Output channels per work-item of the tiled variant: a float4 (double2) vector. */
    public static int channels(DType dtype) {
        return dtype == DType.FLOAT64 ? 2 : 4;
    }

    /** Stride rows per work-item: the most (a power of two) whose accumulators stay within the budget. */
    public static int rows(ConvProblem problem) {
        int channels = channels(problem.dtype());
        int rows = 1;
        while (rows < CpuRule.MAX_DEFAULT_ROWS && 2L * rows * problem.stride() * channels <= MAX_ACCUMULATORS) {
            rows *= 2;
        }
        return rows;
    }

    /** Work-items per work-group: 64, or what the device takes. */
    public static int localSize(DeviceCapabilities device) {
        return (int) Math.min(64, Math.max(1, device.maxWorkGroupSize()));
    }

    /** The register budget the rows variant's channels are fitted to, in vectors of {@link #channels}. */
    public static int rowsRegisters(DType dtype) {
        return MAX_ACCUMULATORS / channels(dtype);
    }

    /**
     * A gemm tile from CLBlast's published tuning database for its single-precision Xgemm kernel
     * (src/database/kernels/xgemm/xgemm_32.hpp; MWG, NWG, KWG, MDIMC, NDIMC, VWM), chosen by the vendor in
     * the platform or device name: NVIDIA's Pascal (SM6.1) default, AMD's and Intel's GPU defaults, else
     * the database's overall default.
     */
    public static GemmTile gemmTile(DeviceCapabilities device) {
        String vendor = (device.platform() + " " + device.name()).toLowerCase(Locale.ROOT);
        // A device that takes smaller work-groups gets the tile shrunk with every other plan, when it is fitted.
        if (vendor.contains("nvidia")) {
            return new GemmTile(64, 64, 32, 16, 16, 4);
        }
        if (vendor.contains("amd") || vendor.contains("advanced micro devices") || vendor.contains("intel")) {
            return new GemmTile(64, 64, 32, 16, 8, 4);
        }
        return new GemmTile(32, 32, 32, 8, 16, 4);
    }
}
