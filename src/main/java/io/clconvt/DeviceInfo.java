package io.clconvt;

/**
 * An OpenCL device as {@link Backends#openClDevices()} lists it: what a user tells devices apart and
 * chooses one by. Pass it to {@link Backends#openCl(DeviceInfo)}.
 *
 * @param index {@code platform:device}, usable as {@code CLCONVT_DEVICE}
 * @param type GPU, CPU, ACCELERATOR or another OpenCL device type
 * @param version the device's OpenCL version string
 * @param fp64 whether FLOAT64 is supported (cl_khr_fp64)
 * @param driverVersion the driver's version string (CL_DRIVER_VERSION); tuned plans are kept per version
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
        boolean fp64,
        String driverVersion) {

    /** Whether this is a CPU device (POCL, Intel's or AMD's CPU runtime). */
    public boolean isCpu() {
        return type.equals("CPU");
    }

    /** Whether this is a GPU. */
    public boolean isGpu() {
        return type.equals("GPU");
    }
}
