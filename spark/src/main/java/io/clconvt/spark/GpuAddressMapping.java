package io.clconvt.spark;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which OpenCL device a Spark task uses, from the GPU address Spark assigned it
 * ({@code TaskContext.get().resources().get("gpu").addresses()[0]}). A pure function of the address and the
 * devices' descriptions, so that it can be checked on made-up machines. The rule:
 *
 * <ol>
 *   <li>No address (the task has no GPU resource: local mode, CI, a cluster without GPU scheduling): the default
 *       device, as {@code Backends.auto()} picks it (honouring {@code CLCONVT_DEVICE}); {@link #choose} returns
 *       null.
 *   <li>An address written as a PCI address ({@code 0000:3b:00.0}, {@code 3b:00.0}): the first GPU, in
 *       {@code platform:device} order, whose driver reports that address ({@code cl_khr_pci_bus_info}, NVIDIA's
 *       {@code cl_nv_device_attribute_query}, AMD's {@code cl_amd_device_attribute_query}).
 *   <li>An address written as a number n: the n-th (from 0) of the {@linkplain #orderedGpus ordered GPUs}: the GPUs
 *       of the platform that has the most GPUs (the first of those that tie), sorted by PCI address when every one
 *       of them reports one, else in the platform's order. Sorting by PCI address is how {@code nvidia-smi} and
 *       {@code rocm-smi} number GPUs, so Spark's usual discovery scripts, which print those numbers, pick the
 *       same card OpenCL opens.
 * </ol>
 *
 * An address that names no device (a PCI address no GPU reports, a number beyond the GPUs, Spark assigning a GPU
 * where OpenCL sees none) is an error naming the address and listing the devices: a task silently sharing another
 * task's GPU would be worse. The discovery script ({@link GpuDiscovery}) prints addresses by the same rule.
 */
public final class GpuAddressMapping {
    private GpuAddressMapping() {
    }

    /**
     * The device for {@code sparkAddress}, or null for the default device when {@code sparkAddress} is null or blank.
     *
     * @throws IllegalArgumentException if the address is neither a number nor a PCI address, or names no device
     */
    public static OpenClDeviceDescription choose(String sparkAddress, List<OpenClDeviceDescription> devices) {
        if (sparkAddress == null || sparkAddress.isBlank()) {
            return null;
        }
        String address = sparkAddress.trim();
        if (devices.stream().noneMatch(OpenClDeviceDescription::gpu)) {
            throw new IllegalArgumentException("Spark assigned GPU address '" + address
                    + "' to this task, but OpenCL lists no GPU; the devices are " + devices);
        }
        if (PciAddress.looksLikeOne(address)) {
            PciAddress pci = PciAddress.parse(address);
            return devices.stream().filter(d -> d.gpu() && pci.equals(d.pci())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("Spark assigned GPU address '" + address
                            + "', but no OpenCL GPU reports PCI address " + pci + "; the devices are " + devices));
        }
        int n;
        try {
            n = Integer.parseInt(address);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Spark GPU address '" + address
                    + "' is neither a number nor a PCI address (domain:bus:device.function)");
        }
        List<OpenClDeviceDescription> ordered = orderedGpus(devices);
        if (n < 0 || n >= ordered.size()) {
            throw new IllegalArgumentException("Spark assigned GPU address " + n + ", but there are only "
                    + ordered.size() + " GPUs to number (addresses 0 to " + (ordered.size() - 1) + "): " + ordered
                    + "; all devices: " + devices);
        }
        return ordered.get(n);
    }

    /** The GPUs that numeric addresses count, in their order (rule 3 of the class comment). */
    public static List<OpenClDeviceDescription> orderedGpus(List<OpenClDeviceDescription> devices) {
        Map<Integer, List<OpenClDeviceDescription>> byPlatform = devices.stream()
                .filter(OpenClDeviceDescription::gpu)
                .collect(Collectors.groupingBy(OpenClDeviceDescription::platformIndex, TreeMap::new, Collectors.toList()));
        List<OpenClDeviceDescription> gpus = List.of();
        for (List<OpenClDeviceDescription> platform : byPlatform.values()) {
            if (platform.size() > gpus.size()) {
                gpus = platform;
            }
        }
        if (!gpus.isEmpty() && gpus.stream().allMatch(d -> d.pci() != null)) {
            return gpus.stream().sorted(Comparator.comparing(OpenClDeviceDescription::pci)).toList();
        }
        return gpus;
    }

    /**
     * The addresses a discovery script reports for this machine: the {@linkplain #orderedGpus ordered GPUs}' PCI
     * addresses when each has one (unambiguous whatever order a driver lists them in), else their numbers.
     */
    public static List<String> discoveryAddresses(List<OpenClDeviceDescription> devices) {
        List<OpenClDeviceDescription> gpus = orderedGpus(devices);
        if (!gpus.isEmpty() && gpus.stream().allMatch(d -> d.pci() != null)) {
            return gpus.stream().map(d -> d.pci().toString()).toList();
        }
        return java.util.stream.IntStream.range(0, gpus.size()).mapToObj(Integer::toString).toList();
    }
}
