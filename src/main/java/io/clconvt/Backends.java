package io.clconvt;

import io.clconvt.bench.KernelVariant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates backends. Every backend computes the same transposed convolution: for explicit padding
 * {@code Lout = (Lin - 1) * stride - padLeft - padRight + dilation * (K - 1) + 1 + outputPadding}
 * (SAME and VALID as {@link ConvTranspose1dParams} describes), input (N, C, L) or (N, L, C) by
 * {@link Layout}, weight (Cin, Cout / groups, K).
 *
 * <p>The OpenCL device is chosen by the environment variable {@code CLCONVT_DEVICE} or the system
 * property {@code clconvt.device} (the property wins): either {@code platform:device} indices as listed
 * by {@link #openClDevices()}, or a case-insensitive substring of the device name. Without either, the
 * first GPU is used, else the first device of any type.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** The CPU reference backend (plain Java, double accumulation). */
    public static Backend cpu() {
        return new CpuBackend();
    }

    /**
     * The selected OpenCL device.
     *
     * @throws OpenClException if there is no OpenCL runtime, no platform, or no matching device, saying
     *     what is missing and how to install it
     */
    public static Backend openCl() {
        return new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), KernelVariant.AUTO, false);
    }

    /** {@link #openCl()} when a device is usable, else {@link #cpu()} after one WARN log line saying why. */
    public static Backend auto() {
        try {
            return openCl();
        } catch (OpenClException e) {
            LOG.warn("No usable OpenCL device ({}); falling back to the CPU backend", e.getMessage());
            return cpu();
        }
    }

    /**
     * Every OpenCL device of every platform, in {@code platform:device} index order.
     *
     * @throws OpenClException if there is no OpenCL runtime or no platform
     */
    public static List<DeviceInfo> openClDevices() {
        return ClDevice.all().stream().map(ClDevice::info).toList();
    }
}
