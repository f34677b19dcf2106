package io.clconvt;

/**
 * What an OpenCL device is, as {@link Backends#openClDevices()} lists it.
 *
 * @param index {@code platform:device}, usable as {@code CLCONVT_DEVICE}
 * @param type GPU, CPU, ACCELERATOR or another OpenCL device type
 * @param version the device's OpenCL version string
 * @param fp64 whether FLOAT64 is supported (cl_khr_fp64)
 */
public record DeviceInfo(
        String index,
        String platform,
        String name,
        String type,
        String version,
        int computeUnits,
        long globalMemoryBytes,
        long maxAllocationBytes,
        boolean fp64) {
}
