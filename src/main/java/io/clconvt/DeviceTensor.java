package io.clconvt;

/**
 * A tensor held by a {@link Backend}: in device memory on OpenCL, on the heap for the CPU backend.
 * Passing device tensors from one {@link Backend#convTranspose1d(DeviceTensor, Tensor, Tensor,
 * ConvTranspose1dParams) convTranspose1d} to the next keeps a stack of layers on the device, with one
 * {@link Backend#upload upload} at the start and one {@link #download()} at the end.
 *
 * <p>The data are row-major (C order) with {@link #shape()} and {@link #dtype()}, exactly as the
 * {@link Tensor} they came from or will become. A device tensor is immutable, belongs to the backend that
 * made it and may only be used with that backend ({@link IllegalArgumentException} otherwise). Close it
 * when done to give its memory back; closing is idempotent and thread-safe, a closed tensor throws
 * {@link IllegalStateException}, and closing the backend closes every device tensor it still holds.
 */
public interface DeviceTensor extends AutoCloseable {
    /** A copy of the shape. */
    int[] shape();

    DType dtype();

    /**
     * Copies the data back into a host tensor.
     *
     * @throws IllegalStateException if this tensor or its backend is closed
     * @throws IllegalArgumentException before reading, if the host tensor would not fit the Java heap
     */
    Tensor download();

    /**
     * Copies FLOAT32 data into {@code destination} from {@code offset} on, allocating nothing: a server that
     * reuses one array per request makes no garbage for its results (a {@link #download()} makes a new array
     * each time).
     *
     * @throws IllegalArgumentException if the tensor is not FLOAT32 or the destination has fewer than
     *     {@code offset + size} elements, before reading
     * @throws IllegalStateException if this tensor or its backend is closed
     */
    void downloadInto(float[] destination, int offset);

    /** {@link #downloadInto(float[], int)} for FLOAT64 data. */
    void downloadInto(double[] destination, int offset);

    /** {@link #downloadInto(float[], int)} for FLOAT16 and BFLOAT16 data, as their 16-bit patterns. */
    void downloadInto(short[] destination, int offset);

    /** Whether {@link #close()} was called, directly or by closing the backend. */
    boolean isClosed();

    /** Releases the memory; idempotent. */
    @Override
    void close();
}
