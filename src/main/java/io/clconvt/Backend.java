package io.clconvt;

/**
 * Something that computes 1-D transposed convolutions: the CPU reference or an OpenCL device.
 * Obtain one from {@link Backends} and close it when done; {@code close()} is idempotent and a closed
 * backend throws {@link IllegalStateException}.
 *
 * <p>Semantics and output lengths are those of {@link ConvTranspose1dParams}: the weight is
 * (Cin, Cout / groups, K), the bias (Cout), the input (N, C, L) or (N, L, C) by {@link Layout}, or rank 2
 * for one unbatched sample, and the output has the input's rank and layout. A backend may be shared by
 * threads: calls on one backend are serialised.
 */
public interface Backend extends AutoCloseable {
    /**
     * Computes the transposed convolution of {@code x}.
     *
     * @param bias the (Cout) bias, or null for none
     * @throws IllegalArgumentException for any invalid parameter, shape or dtype, before any device work
     */
    Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params);

    /** What computes, for logs, e.g. {@code "opencl: Portable Computing Language / pthread-... (OpenCL 3.0)"}. */
    String describe();

    /** Releases every native resource; idempotent. */
    @Override
    void close();
}
