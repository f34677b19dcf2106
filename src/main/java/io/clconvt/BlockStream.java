package io.clconvt;

/**
 * The state of a {@link Block} fed in chunks, on the backend: every result is a new device tensor the caller
 * closes, or null when there is nothing new; chunks stay open.
 */
interface BlockStream extends AutoCloseable {
    /** The outputs {@code chunk} makes final. */
    DeviceTensor pushDevice(DeviceTensor chunk);

    /** The remaining outputs once the input has ended. */
    DeviceTensor finishDevice();

    @Override
    void close();

    /**
     * Asks the stream to append each chunk pushed to it to {@code queue} itself, in the same pass as its own first
     * join (a residual block's skip queue); false where it does not, and the caller appends.
     */
    default boolean carry(PositionQueue queue) {
        return false;
    }
}
