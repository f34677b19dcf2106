package io.clconvt.bench;

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
     * input value feeds a whole vector of multiply-adds: for dense and wide grouped layers.
     */
    TILED
}
