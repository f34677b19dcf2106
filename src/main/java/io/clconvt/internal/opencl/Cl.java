package io.clconvt.internal.opencl;

import static org.jocl.CL.CL_SUCCESS;

import io.clconvt.OpenClException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_platform_id;

/**
 * Status checks and info queries over JOCL. JOCL's global exception switch is left off, so every
 * status is checked here and turned into an {@link OpenClException} naming the call.
 */
public final class Cl {
    public static final String INSTALL_HINT = "install an OpenCL runtime, e.g. on Debian/Ubuntu as root: "
            + "apt-get install -y pocl-opencl-icd ocl-icd-libopencl1 clinfo (or run ci/install-opencl.sh)";

    private Cl() {
    }

    public static void check(int status, String call) {
        if (status != CL_SUCCESS) {
            throw new OpenClException(call, statusName(status), null);
        }
    }

    public static String statusName(int status) {
        return CL.stringFor_errorCode(status);
    }

    public static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        check(CL.clGetPlatformInfo(platform, param, 0, null, size), "clGetPlatformInfo");
        byte[] bytes = new byte[(int) size[0]];
        check(CL.clGetPlatformInfo(platform, param, bytes.length, Pointer.to(bytes), null), "clGetPlatformInfo");
        return cString(bytes);
    }

    public static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(device, param, 0, null, size), "clGetDeviceInfo");
        byte[] bytes = new byte[(int) size[0]];
        check(CL.clGetDeviceInfo(device, param, bytes.length, Pointer.to(bytes), null), "clGetDeviceInfo");
        return cString(bytes);
    }

    /** A cl_ulong or cl_bitfield query. */
    public static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        check(CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null), "clGetDeviceInfo");
        return value[0];
    }

    /** A cl_uint query. */
    public static int deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        check(CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null), "clGetDeviceInfo");
        return value[0];
    }

    /** A size_t query. */
    public static long deviceSize(cl_device_id device, int param) {
        long[] value = new long[1];
        check(CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(value), null), "clGetDeviceInfo");
        return value[0];
    }

    /** A size_t[] query of {@code count} elements. */
    public static List<Long> deviceSizes(cl_device_id device, int param, int count) {
        long[] values = new long[count];
        check(CL.clGetDeviceInfo(device, param, (long) Sizeof.size_t * count, Pointer.to(values), null),
                "clGetDeviceInfo");
        return Arrays.stream(values).boxed().toList();
    }

    /** Waits for {@code event}; a command that failed on the device throws with its status. */
    public static void await(cl_event event) {
        check(CL.clWaitForEvents(1, new cl_event[] {event}), "clWaitForEvents");
    }

    /** Waits for {@code event} and returns its execution time from the queue's profiling counters. */
    public static long elapsedNanos(cl_event event) {
        await(event);
        long[] start = new long[1];
        long[] end = new long[1];
        check(CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start),
                null), "clGetEventProfilingInfo");
        check(CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null),
                "clGetEventProfilingInfo");
        return end[0] - start[0];
    }

    private static String cString(byte[] bytes) {
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8).trim();
    }
}
