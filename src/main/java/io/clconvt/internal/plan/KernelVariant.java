package io.clconvt.internal.plan;

/**
 * The OpenCL kernel variants. All compute the same result (the test suite runs each on every case);
 * they differ in speed, and {@link #AUTO} picks per device and shape class.
 */
public enum KernelVariant {
    /** Choose per shape: a tuned winner from the tuning file when there is one, else a built-in rule. */
    AUTO,
    /**
     * One work-item per output element, taps enumerated by stride phase at run time, every shape a
     * runtime argument: the always-available baseline.
     */
    DIRECT,
    /**
     * One work-item per output channel and run of stride rows, with the taps of every phase fixed at
     * compile time (K, stride and dilation are build options): for depthwise and narrow groups.
     */
    PHASE,
    /**
     * Like {@link #PHASE}, but a work-item holds a vector of output channels in registers, so each
     * input value feeds a whole vector of multiply-adds: for dense and wide grouped layers on CPUs.
     */
    TILED,
    /**
     * A vector of consecutive output rows per phase, a few output channels and every phase per work-item,
     * for NCL tensors: each tap is a broadcast weight times a vector of consecutive inputs, and the phases
     * interleave into whole-vector stores along an output row. For depthwise and narrow grouped layers.
     */
    ROWS,
    /**
     * An implicit GEMM per stride phase with work-group tiles of weights and input rows staged in local
     * memory and a small register tile per work-item: for dense and wide grouped layers on GPUs.
     */
    GEMM
}
