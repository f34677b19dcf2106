package io.clconvt.internal;

import io.clconvt.DType;
import io.clconvt.DeviceInfo;
import java.util.List;

/**
 * Not API. What the engine reads of an OpenCL device: its identity and the facts the launch plans are
 * derived from. The public view, {@link DeviceInfo}, keeps only what a user chooses a device by; a new
 * fact the planner needs is added here without changing the API.
 *
 * @param index {@code platform:device}, usable as {@code CLCONVT_DEVICE}
 * @param type GPU, CPU, ACCELERATOR or another OpenCL device type
 * @param version the device's OpenCL version string
 * @param fp64 whether FLOAT64 is supported (cl_khr_fp64)
 * @param driverVersion the driver's version string (CL_DRIVER_VERSION); tuned plans are kept per version
 * @param nativeFloatWidth floats per native vector (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT): 8 for AVX2, 16
 *     for AVX-512, often 1 on GPUs, whose vectors are formed across work-items
 * @param preferredFloatWidth CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT
 * @param nativeDoubleWidth doubles per native vector, 0 without FLOAT64
 * @param preferredDoubleWidth CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE
 * @param maxWorkGroupSize CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param maxWorkItemSizes CL_DEVICE_MAX_WORK_ITEM_SIZES, one limit per dimension
 * @param dedicatedLocalMemory whether local memory is a dedicated on-chip store (CL_LOCAL) rather than
 *     ordinary memory (CL_GLOBAL, as on CPUs)
 * @param localMemoryBytes CL_DEVICE_LOCAL_MEM_SIZE
 */
public record DeviceCapabilities(
        String index,
        String platform,
        String name,
        String type,
        String version,
        int computeUnits,
        long globalMemoryBytes,
        long maxAllocationBytes,
        boolean fp64,
        String driverVersion,
        int nativeFloatWidth,
        int preferredFloatWidth,
        int nativeDoubleWidth,
        int preferredDoubleWidth,
        long maxWorkGroupSize,
        List<Long> maxWorkItemSizes,
        boolean dedicatedLocalMemory,
        long localMemoryBytes) {

    public DeviceCapabilities {
        maxWorkItemSizes = List.copyOf(maxWorkItemSizes);
    }

    /** The public view of this device. */
    public DeviceInfo info() {
        return new DeviceInfo(index, platform, name, type, version, computeUnits, globalMemoryBytes,
                maxAllocationBytes, fp64, driverVersion);
    }

    /** "platform / device (version)", the way a backend's description shows a device. */
    public String label() {
        return platform + " / " + name + " (" + version + ")";
    }

    /** Whether this is a CPU device (POCL, Intel's or AMD's CPU runtime). */
    public boolean isCpu() {
        return type.equals("CPU");
    }

    /** Whether this is a GPU. */
    public boolean isGpu() {
        return type.equals("GPU");
    }

    /**
     * Throws unless this device can run {@code problem} at all: FLOAT64 needs cl_khr_fp64, and each
     * tensor one buffer of at most {@link #maxAllocationBytes}.
     */
    public void requireRuns(ConvProblem problem) {
        requireRuns(problem.dtype(), problem.inputElements(), problem.weightElements(), problem.outputElements());
    }

    /** {@link #requireRuns(ConvProblem)} for a convolution. */
    public void requireRuns(Conv1dProblem problem) {
        requireRuns(problem.dtype(), problem.inputElements(), problem.weightElements(), problem.outputElements());
    }

    private void requireRuns(DType dtype, long input, long weight, long output) {
        if (dtype == DType.FLOAT64 && !fp64) {
            throw new UnsupportedOperationException("FLOAT64 needs the cl_khr_fp64 extension, which " + name
                    + " does not support; use FLOAT32 or the CPU backend");
        }
        requireAllocatable("input", input, dtype);
        requireAllocatable("weight", weight, dtype);
        requireAllocatable("output", output, dtype);
    }

    /** Throws {@link IllegalArgumentException} if {@code elements} of {@code dtype} exceed one buffer. */
    public void requireAllocatable(String tensor, long elements, DType dtype) {
        long bytes = elements * dtype.byteSize();
        if (bytes > maxAllocationBytes) {
            throw new IllegalArgumentException(tensor + " needs " + bytes + " bytes but " + name
                    + " allocates at most " + maxAllocationBytes + " bytes per buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        }
    }
}
