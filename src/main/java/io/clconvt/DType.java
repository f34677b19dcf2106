package io.clconvt;

/**
 * Element type of a {@link Tensor}. All tensors of one call share a dtype.
 * {@link #FLOAT64} on OpenCL needs a device with {@code cl_khr_fp64}.
 *
 * <p>{@link #FLOAT16} (IEEE 754 binary16) and {@link #BFLOAT16} (the upper half of a binary32) are storage
 * types: they halve the bytes a layer moves, while every backend computes in FLOAT32 (the CPU reference in
 * double) and rounds each result once, to nearest even. Every device can use them: OpenCL reads and writes
 * FLOAT16 with the core {@code vload_half}/{@code vstore_half}, no {@code cl_khr_fp16} needed.
 */
public enum DType {
    FLOAT32(4),
    FLOAT64(8),
    FLOAT16(2),
    BFLOAT16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the dtype is stored in 16 bits (and computed in FLOAT32). */
    public boolean isHalf() {
        return byteSize == 2;
    }
}
