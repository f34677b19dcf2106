package io.clconvt;

/**
 * A transposed convolution (or a {@link Sequential} stack of them) fed an input that arrives in chunks
 * along the length axis, such as a decoder's frames: every {@link #push} returns the outputs that no later
 * input can change, and {@link #finish} the rest. Concatenating along the length axis the results of every
 * push and of finish gives the one-shot result of the concatenated input, for any chunking.
 *
 * <p>A push computes only its new outputs, from the chunk and a history of the last input positions
 * (about {@code ceil((dilation * (K - 1) + 1) / stride)} of them), which the OpenCL backend keeps on the
 * device; the whole prefix is never recomputed. Obtain a stream from {@link ConvTranspose1d#stream} or
 * {@link Sequential#stream}. A stream is meant for one producer: its methods are synchronized, but
 * chunks pushed from several threads at once arrive in no defined order.
 */
public interface ChunkStream extends AutoCloseable {
    /**
     * Feeds the next input positions and returns every output position they make final.
     *
     * @param chunk the stream's layout and rank, the same batch, channels and dtype every time, length
     *     at least 1
     * @return the new final outputs, in the input's rank and layout; possibly of length 0
     * @throws IllegalArgumentException for a chunk of another rank, batch, channel count or dtype, or of
     *     length 0, before any work; the stream stays usable
     * @throws IllegalStateException after {@link #finish} or {@link #close}
     */
    Tensor push(Tensor chunk);

    /**
     * Ends the input and returns the remaining outputs: those the right padding, outputPadding or SAME's
     * right side decide. Releases the stream's device state.
     *
     * @throws IllegalArgumentException if the whole input's output would be empty (as the one-shot call
     *     would throw); the stream stays usable
     * @throws IllegalStateException if nothing was pushed, or after {@link #finish} or {@link #close}
     */
    Tensor finish();

    /** Releases the device state; idempotent. */
    @Override
    void close();
}
