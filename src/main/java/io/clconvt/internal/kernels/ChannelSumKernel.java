package io.clconvt.internal.kernels;

import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.Validation;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import io.clconvt.internal.plan.CpuRule;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/channel_sum.cl}: S[c] = sum over batch and length of T[n, c, l], the bias gradient. Shapes
 * are runtime arguments: one program per dtype and layout.
 */
public final class ChannelSumKernel {
    public static final String SOURCE_FILE = "channel_sum.cl";
    /** NCL: a work-item per channel, vector lanes along its rows. */
    public static final String ROWS_KERNEL = "channel_sum_rows";
    /** NLC: a work-item per vector of channels. */
    public static final String COLUMNS_KERNEL = "channel_sum_columns";

    private ChannelSumKernel() {
    }

    private static int vector(DType dtype, DeviceCapabilities device) {
        return Math.max(2, Math.min(16, Integer.highestOneBit(CpuRule.nativeWidth(device, dtype))));
    }

    private static String kernelName(Layout layout) {
        return layout == Layout.NLC ? COLUMNS_KERNEL : ROWS_KERNEL;
    }

    public static ProgramKey program(DType dtype, Layout layout, DeviceCapabilities device) {
        return new ProgramKey(SOURCE_FILE, kernelName(layout),
                BuildOptions.storage(dtype) + " -DVECTOR=" + vector(dtype, device));
    }

    /**
     * Enqueues S = the channel sums of {@code t} ((batch, channels, length) or (batch, length, channels) of
     * {@code dtype}) into {@code out} ({@code channels} elements of {@code dtype}), and returns the kernel's
     * event, which the caller releases.
     *
     * @throws IllegalArgumentException naming a size below 1, before any device work
     */
    public static cl_event enqueue(ClContext context, ProgramCache programs, DType dtype, Layout layout, int batch,
            int channels, int length, ClBuffer t, ClBuffer out) {
        Validation.requireNonNull("dtype", dtype);
        Validation.requireNonNull("layout", layout);
        Validation.requirePositive("batch", batch);
        Validation.requirePositive("channels", channels);
        Validation.requirePositive("length", length);
        DeviceCapabilities device = context.device().capabilities();
        cl_kernel kernel = programs.kernel(program(dtype, layout, device));
        programs.arguments(kernel)
                .buffer(t)           // t
                .buffer(out)         // s
                .integer(batch)      // batch
                .integer(channels)   // channels
                .integer(length);    // length
        int perItem = layout == Layout.NLC ? vector(dtype, device) : 1;
        long workItems = ((long) channels + perItem - 1) / perItem;
        return context.enqueue(kernel, kernelName(layout), new long[] {workItems}, null);
    }
}
