package io.clconvt.spark;

import java.io.Serializable;

/**
 * What the device mapping needs to know of one OpenCL device: its index as {@code io.clconvt.Backends} lists it
 * ({@code "platform:device"}), its platform and name, whether it is a GPU, and its PCI address when the driver
 * reports one (null otherwise). {@link OpenClDevices#describeAll()} reads these from the driver; tests make them up.
 */
public record OpenClDeviceDescription(String index, String platform, String name, boolean gpu, PciAddress pci)
        implements Serializable {
    /** The platform part of {@link #index()}. */
    public int platformIndex() {
        return Integer.parseInt(index.substring(0, index.indexOf(':')));
    }

    @Override
    public String toString() {
        return index + " " + name + (gpu ? " (GPU" : " (not a GPU") + (pci == null ? ", no PCI address)" : ", PCI " + pci + ")");
    }
}
