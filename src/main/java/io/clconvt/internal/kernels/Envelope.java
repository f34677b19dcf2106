package io.clconvt.internal.kernels;

/**
 * The bounds the fully unrolled kernels (tiled, rows) share: beyond them a tap loop stops paying, the
 * accumulators no longer fit in registers, POCL takes seconds to build the program (it also compiles
 * it again per work-group size), and a window of a few thousand elements crashes its compiler. Layers
 * outside run on the direct kernel.
 */
public final class Envelope {
    public static final int MAX_KERNEL_SIZE = 64;
    /** Vector accumulators per work-item. */
    public static final int MAX_ACCUMULATORS = 32;
    /** Multiply-adds unrolled per input channel. */
    public static final int MAX_UNROLLED_TAPS = 256;

    private Envelope() {
    }
}
