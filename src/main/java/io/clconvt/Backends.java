package io.clconvt;

import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.opencl.Cl;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.plan.KernelVariant;
import java.util.List;
import org.jocl.CL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates backends. Every backend computes the same transposed convolution: for explicit padding
 * {@code Lout = (Lin - 1) * stride - padLeft - padRight + dilation * (K - 1) + 1 + outputPadding}
 * (SAME and VALID as {@link ConvTranspose1dParams} describes), input (N, C, L) or (N, L, C) by
 * {@link Layout}, weight (Cin, Cout / groups, K).
 *
 * <p>{@link #openCl()} and {@link #auto()} choose the OpenCL device by the environment variable
 * {@code CLCONVT_DEVICE} or the system property {@code clconvt.device} (the property wins): either
 * {@code platform:device} indices as listed by {@link #openClDevices()}, or a case-insensitive substring of the
 * device name. Without either, the first GPU is used, else the first device of any type. Code that picks the
 * device itself (one backend per GPU on a server) uses {@link #openCl(String)} or {@link #openCl(DeviceInfo)};
 * backends on different devices work at the same time, each with its own context, queue and caches.
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
        return new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()), KernelVariant.AUTO, false, false);
    }

    /**
     * The OpenCL device {@code selector} names: {@code platform:device} indices as {@link #openClDevices()}
     * lists them, or a case-insensitive substring of the device name (the first match).
     *
     * @throws IllegalArgumentException if {@code selector} is null or blank
     * @throws OpenClException if there is no OpenCL runtime or device, or none matches (the message lists the
     *     devices there are)
     */
    public static Backend openCl(String selector) {
        if (selector == null || selector.isBlank()) {
            throw new IllegalArgumentException("selector must be 'platform:device' or part of a device name, got "
                    + (selector == null ? "null" : "'" + selector + "'"));
        }
        return new OpenClBackend(ClDevice.select(new DeviceSelection(selector.trim(), "selector")),
                KernelVariant.AUTO, false, false);
    }

    /**
     * The OpenCL device {@code device}, as {@link #openClDevices()} listed it.
     *
     * @throws IllegalArgumentException if {@code device} is null
     * @throws OpenClException if that device is no longer present at its index
     */
    public static Backend openCl(DeviceInfo device) {
        if (device == null) {
            throw new IllegalArgumentException("device must not be null");
        }
        List<ClDevice> devices = ClDevice.all();
        ClDevice match = devices.stream().filter(d -> d.capabilities().index().equals(device.index())
                        && d.capabilities().name().equals(device.name()) && d.capabilities().platform().equals(device.platform()))
                .findFirst()
                .orElseThrow(() -> new OpenClException("select device", Cl.statusName(CL.CL_DEVICE_NOT_FOUND), "device "
                        + device.index() + " " + device.name() + " is not present; the devices are "
                        + devices.stream().map(d -> d.capabilities().index() + " " + d.capabilities().name()).toList()));
        return new OpenClBackend(match, KernelVariant.AUTO, false, false);
    }

    /**
     * {@link #openCl()} when a device is usable, else {@link #cpu()} after one WARN log line saying why. A device
     * requested by {@code CLCONVT_DEVICE} or {@code clconvt.device} that is not there is an error, not a reason
     * to fall back: the CPU is only the answer when no OpenCL device exists at all (or the chosen one cannot be
     * opened).
     *
     * @throws OpenClException if a device was requested and OpenCL devices exist but none matches; the message
     *     lists them
     */
    public static Backend auto() {
        List<ClDevice> devices;
        try {
            devices = ClDevice.all();
        } catch (OpenClException e) {
            LOG.warn("No usable OpenCL device ({}); falling back to the CPU backend", e.getMessage());
            return cpu();
        }
        if (devices.isEmpty()) {
            LOG.warn("No usable OpenCL device ({}); falling back to the CPU backend", ClDevice.NO_DEVICE);
            return cpu();
        }
        ClDevice device = ClDevice.select(DeviceSelection.fromEnvironment(), devices);
        try {
            return new OpenClBackend(device, KernelVariant.AUTO, false, false);
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
        return ClDevice.all().stream().map(device -> device.capabilities().info()).toList();
    }
}
