package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import io.clconvt.OpenClException;
import io.clconvt.internal.DeviceCapabilities;
import io.clconvt.internal.DeviceSelection;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** One OpenCL device with the facts the backend needs; platform and device ids are never released. */
public record ClDevice(cl_platform_id platform, cl_device_id id, DeviceCapabilities capabilities, long maxWorkGroupSize) {
    public static final String NO_DEVICE = "OpenCL platforms are installed but report no device; for POCL make sure HOME "
            + "is writable or set POCL_CACHE_DIR to a writable folder";

    /**
     * Every device of every platform.
     *
     * @throws OpenClException if the OpenCL library cannot be loaded or no platform is installed
     */
    public static List<ClDevice> all() {
        int[] platformCount = new int[1];
        int status;
        try {
            status = CL.clGetPlatformIDs(0, null, platformCount);
        } catch (LinkageError e) {
            throw new OpenClException("load OpenCL library", "CL_PLATFORM_NOT_FOUND_KHR",
                    "no OpenCL runtime (libOpenCL.so.1) could be loaded (" + e.getMessage() + "); "
                            + Cl.INSTALL_HINT, null, e);
        }
        if (status == CL_PLATFORM_NOT_FOUND_KHR || (status == CL_SUCCESS && platformCount[0] == 0)) {
            throw new OpenClException("clGetPlatformIDs", Cl.statusName(CL_PLATFORM_NOT_FOUND_KHR),
                    "no OpenCL platform is installed; " + Cl.INSTALL_HINT);
        }
        Cl.check(status, "clGetPlatformIDs");
        cl_platform_id[] platforms = new cl_platform_id[platformCount[0]];
        Cl.check(clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs");

        List<ClDevice> devices = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] deviceCount = new int[1];
            int deviceStatus = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, deviceCount);
            if (deviceStatus == CL_DEVICE_NOT_FOUND) {
                continue;
            }
            Cl.check(deviceStatus, "clGetDeviceIDs");
            cl_device_id[] ids = new cl_device_id[deviceCount[0]];
            Cl.check(clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, ids.length, ids, null), "clGetDeviceIDs");
            String platformName = Cl.platformString(platforms[p], CL_PLATFORM_NAME);
            for (int d = 0; d < ids.length; d++) {
                devices.add(describe(platforms[p], ids[d], p + ":" + d, platformName));
            }
        }
        return devices;
    }

    /**
     * The requested device, or by default the first GPU, else the first device.
     *
     * @throws OpenClException if there is no device or none matches the request
     */
    public static ClDevice select(DeviceSelection selection) {
        return select(selection, all());
    }

    /** {@link #select(DeviceSelection)} among {@code devices}. */
    public static ClDevice select(DeviceSelection selection, List<ClDevice> devices) {
        if (devices.isEmpty()) {
            throw new OpenClException("clGetDeviceIDs", Cl.statusName(CL_DEVICE_NOT_FOUND), NO_DEVICE);
        }
        if (selection.request() == null) {
            return devices.stream().filter(d -> d.capabilities().type().equals("GPU")).findFirst().orElse(devices.get(0));
        }
        return devices.stream().filter(d -> selection.matches(d.capabilities())).findFirst()
                .orElseThrow(() -> new OpenClException("select device", Cl.statusName(CL_DEVICE_NOT_FOUND),
                        selection.source() + " = '" + selection.request() + "' matches none of: "
                                + devices.stream().map(d -> d.capabilities().index() + " " + d.capabilities().name()).toList()));
    }

    private static ClDevice describe(cl_platform_id platform, cl_device_id id, String index, String platformName) {
        long type = Cl.deviceLong(id, CL_DEVICE_TYPE);
        String extensions = Cl.deviceString(id, CL_DEVICE_EXTENSIONS);
        DeviceCapabilities info = new DeviceCapabilities(
                index,
                platformName,
                Cl.deviceString(id, CL_DEVICE_NAME),
                typeName(type),
                Cl.deviceString(id, CL_DEVICE_VERSION),
                Cl.deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                Cl.deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE),
                Cl.deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                extensions.contains("cl_khr_fp64"),
                Cl.deviceString(id, CL_DRIVER_VERSION),
                Cl.deviceInt(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT),
                Cl.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT),
                Cl.deviceInt(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE),
                Cl.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE),
                Cl.deviceSize(id, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                Cl.deviceSizes(id, CL_DEVICE_MAX_WORK_ITEM_SIZES, Cl.deviceInt(id, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS)),
                Cl.deviceInt(id, CL_DEVICE_LOCAL_MEM_TYPE) == CL_LOCAL,
                Cl.deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE));
        return new ClDevice(platform, id, info, info.maxWorkGroupSize());
    }

    private static String typeName(long type) {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) {
            return "GPU";
        }
        if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            return "CPU";
        }
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return "ACCELERATOR";
        }
        return "OTHER";
    }

    /** "platform / device (version)", the way {@link Backend#describe()} shows a device. */
    public String label() {
        return capabilities.label();
    }
}
