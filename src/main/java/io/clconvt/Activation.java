package io.clconvt;

/**
 * An element-wise function applied to each output after the bias is added, fused into the same pass
 * as the convolution: {@code y = f(bias[co] + sum ...)}. NaN stays NaN under every function.
 *
 * <ul>
 *   <li>{@link #NONE}: {@code f(v) = v};</li>
 *   <li>{@link #RELU}: {@code f(v) = v < 0 ? 0 : v};</li>
 *   <li>{@link #leakyRelu(double) leakyRelu(slope)}: {@code f(v) = v < 0 ? slope * v : v};</li>
 *   <li>{@link #TANH}: {@code f(v) = tanh(v)};</li>
 *   <li>{@link #SILU}: {@code f(v) = v / (1 + exp(-v))}.</li>
 * </ul>
 * The CPU backend applies f in double to its double accumulator and then rounds to the dtype; an
 * OpenCL device applies it in the dtype with the device's built-in {@code tanh} and {@code exp}.
 * Immutable; equal activations compare equal.
 */
public final class Activation {
    /** What the kernels switch on: the value of their {@code ACTIVATION} build option. */
    private enum Kind {
        NONE, RELU, LEAKY_RELU, TANH, SILU
    }

    public static final Activation NONE = new Activation(Kind.NONE, 0);
    public static final Activation RELU = new Activation(Kind.RELU, 0);
    public static final Activation TANH = new Activation(Kind.TANH, 0);
    public static final Activation SILU = new Activation(Kind.SILU, 0);

    private final Kind kind;
    private final double slope;

    private Activation(Kind kind, double slope) {
        this.kind = kind;
        this.slope = slope;
    }

    /**
     * Leaky ReLU with {@code slope} for negative inputs (PyTorch's {@code negative_slope}, e.g. 0.1 in
     * HiFi-GAN).
     *
     * @throws IllegalArgumentException if {@code slope} is not finite
     */
    public static Activation leakyRelu(double slope) {
        if (!Double.isFinite(slope)) {
            throw new IllegalArgumentException("leaky ReLU slope must be finite, got " + slope);
        }
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    /** The negative-side slope of a leaky ReLU, 0 for the other functions. */
    public double slope() {
        return slope;
    }

    /** f(v), in double. */
    public double apply(double v) {
        return switch (kind) {
            case NONE -> v;
            case RELU -> v < 0 ? 0 : v;
            case LEAKY_RELU -> v < 0 ? slope * v : v;
            case TANH -> Math.tanh(v);
            case SILU -> v / (1 + Math.exp(-v));
        };
    }

    /** The kernels' {@code -DACTIVATION=} value: a compile-time constant, so NONE costs nothing. */
    int kernelCode() {
        return kind.ordinal();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Activation a && a.kind == kind && Double.compare(a.slope, slope) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * kind.hashCode() + Double.hashCode(slope);
    }

    /** e.g. {@code RELU} or {@code LEAKY_RELU(0.1)}. */
    @Override
    public String toString() {
        return kind == Kind.LEAKY_RELU ? "LEAKY_RELU(" + slope + ")" : kind.name();
    }
}
