package io.clconvt;

/**
 * Element type of a {@link Tensor}. All tensors of one call share a dtype.
 * {@link #FLOAT64} on OpenCL needs a device with {@code cl_khr_fp64}.
 */
public enum DType {
    FLOAT32(4),
    FLOAT64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
