package io.clconvt.spark;

import io.clconvt.Backends;
import io.clconvt.DeviceInfo;
import io.clconvt.OpenClException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Describes this machine's OpenCL devices for {@link GpuAddressMapping}: the library's list
 * ({@link Backends#openClDevices()}) plus each device's PCI address, which the library does not report, read through
 * JOCL from whichever vendor extension the device offers.
 */
public final class OpenClDevices {
    // JOCL 2.0 defines none of these extension constants; the values are the Khronos registry's.
    static final int CL_DEVICE_PCI_BUS_INFO_KHR = 0x410F;
    static final int CL_DEVICE_PCI_BUS_ID_NV = 0x4008;
    static final int CL_DEVICE_PCI_SLOT_ID_NV = 0x4009;
    static final int CL_DEVICE_PCI_DOMAIN_ID_NV = 0x400A;
    static final int CL_DEVICE_TOPOLOGY_AMD = 0x4037;
    static final int CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD = 1;

    private OpenClDevices() {
    }

    /**
     * Every OpenCL device, in the library's {@code platform:device} order; an empty list when there is no OpenCL
     * runtime or platform (the task then runs on the default backend, which falls back to the CPU).
     */
    public static List<OpenClDeviceDescription> describeAll() {
        List<DeviceInfo> devices;
        try {
            devices = Backends.openClDevices();
        } catch (OpenClException e) {
            return List.of();
        }
        List<OpenClDeviceDescription> described = new ArrayList<>();
        for (DeviceInfo device : devices) {
            described.add(new OpenClDeviceDescription(device.index(), device.platform(), device.name(), device.isGpu(),
                    device.isGpu() ? pciAddress(device.index()) : null));
        }
        return described;
    }

    /** The PCI address of device {@code index} ("platform:device", as the library numbers them), or null. */
    private static PciAddress pciAddress(String index) {
        int colon = index.indexOf(':');
        cl_device_id id = deviceId(Integer.parseInt(index.substring(0, colon)), Integer.parseInt(index.substring(colon + 1)));
        String extensions = string(id, CL.CL_DEVICE_EXTENSIONS);
        List<String> names = Arrays.asList(extensions.trim().split("\\s+"));
        if (names.contains("cl_khr_pci_bus_info")) {
            // cl_device_pci_bus_info_khr: four cl_uint, domain, bus, device, function
            ByteBuffer info = query(id, CL_DEVICE_PCI_BUS_INFO_KHR, 16);
            if (info != null) {
                return new PciAddress(info.getInt(0), info.getInt(4), info.getInt(8), info.getInt(12));
            }
        }
        if (names.contains("cl_nv_device_attribute_query")) {
            ByteBuffer bus = query(id, CL_DEVICE_PCI_BUS_ID_NV, 4);
            ByteBuffer slot = query(id, CL_DEVICE_PCI_SLOT_ID_NV, 4);
            ByteBuffer domain = query(id, CL_DEVICE_PCI_DOMAIN_ID_NV, 4); // newer drivers only
            if (bus != null && slot != null) {
                // The slot id packs device and function as PCI's devfn byte does: device << 3 | function.
                int devfn = slot.getInt(0);
                return new PciAddress(domain == null ? 0 : domain.getInt(0), bus.getInt(0), (devfn >> 3) & 0x1f, devfn & 7);
            }
        }
        if (names.contains("cl_amd_device_attribute_query")) {
            // cl_device_topology_amd: a cl_uint type, then for PCIe 17 unused bytes and bus, device, function bytes
            ByteBuffer topology = query(id, CL_DEVICE_TOPOLOGY_AMD, 24);
            if (topology != null && topology.getInt(0) == CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD) {
                return new PciAddress(0, topology.get(21) & 0xff, topology.get(22) & 0x1f, topology.get(23) & 7);
            }
        }
        return null;
    }

    private static cl_device_id deviceId(int platform, int device) {
        int[] count = new int[1];
        CL.clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        CL.clGetDeviceIDs(platforms[platform], CL.CL_DEVICE_TYPE_ALL, 0, null, count);
        cl_device_id[] ids = new cl_device_id[count[0]];
        CL.clGetDeviceIDs(platforms[platform], CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        return ids[device];
    }

    /** The value of {@code param} if the driver answers it with at least {@code bytes} bytes, else null. */
    private static ByteBuffer query(cl_device_id id, int param, int bytes) {
        long[] size = new long[1];
        if (CL.clGetDeviceInfo(id, param, 0, null, size) != CL.CL_SUCCESS || size[0] < bytes) {
            return null;
        }
        byte[] value = new byte[(int) size[0]];
        if (CL.clGetDeviceInfo(id, param, value.length, Pointer.to(value), null) != CL.CL_SUCCESS) {
            return null;
        }
        return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
    }

    private static String string(cl_device_id id, int param) {
        ByteBuffer value = query(id, param, 1);
        if (value == null) {
            return "";
        }
        byte[] bytes = value.array();
        int length = bytes.length;
        while (length > 0 && bytes[length - 1] == 0) {
            length--;
        }
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
