package io.clconvt;

import io.clconvt.internal.Conv1dGeometry;
import io.clconvt.internal.Conv1dProblem;
import io.clconvt.internal.Validation;
import java.util.Objects;

/**
 * Immutable parameters of a 1-D convolution, PyTorch's {@code torch.nn.Conv1d} / {@code F.conv1d}, validated
 * once when built and reused for many calls.
 *
 * <p>With the input padded by (left, right) positions as {@link PaddingMode} says, the output is
 * {@code out[n, co, t] = bias[co] + sum xpad[n, ci, t * stride + k * dilation - left] * w[co, ci - g * Cin / groups, k]}
 * over the input channels ci of co's group g and the taps k, for t in [0, Lout), where
 * {@code Lout = floor((Lin + left + right - dilation * (K - 1) - 1) / stride) + 1}. The padding is
 * <ul>
 *   <li>explicit: the same on both sides, or (left, right);</li>
 *   <li>{@link Padding#SAME}: PyTorch's {@code padding='same'}, a total of {@code dilation * (K - 1)} with
 *       the smaller half on the left, so that {@code Lout = Lin}; only with stride 1, as in PyTorch;</li>
 *   <li>{@link Padding#VALID}: none.</li>
 * </ul>
 * {@link PaddingMode#REFLECT} needs each side's padding below Lin, {@link PaddingMode#CIRCULAR} at most Lin.
 * The weight is (Cout, Cin / groups, K); inputs are laid out as {@link Layout} says. An {@link Activation}
 * (default {@link Activation#NONE}) is applied to every output after the bias, in the same pass.
 */
public final class Conv1dParams {
    private final int stride;
    private final Padding padding;
    private final PaddingMode paddingMode;
    private final int dilation;
    private final int groups;
    private final Layout layout;
    private final Activation activation;

    private Conv1dParams(Builder b) {
        this.stride = Validation.requirePositive("stride", b.stride);
        this.dilation = Validation.requirePositive("dilation", b.dilation);
        this.groups = Validation.requirePositive("groups", b.groups);
        this.padding = Validation.requireNonNull("padding", b.padding);
        this.paddingMode = Validation.requireNonNull("paddingMode", b.paddingMode);
        this.layout = Validation.requireNonNull("layout", b.layout);
        this.activation = Validation.requireNonNull("activation", b.activation);
        if (padding.mode() == Padding.Mode.SAME && stride != 1) {
            throw new IllegalArgumentException("padding SAME needs stride 1 (as PyTorch's padding='same'), got stride="
                    + stride);
        }
    }

    /** A builder with PyTorch's defaults: stride 1, padding 0 (zeros), dilation 1, groups 1, NCL, no activation. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these parameters. */
    public Builder toBuilder() {
        return new Builder().stride(stride).padding(padding).paddingMode(paddingMode).dilation(dilation)
                .groups(groups).layout(layout).activation(activation);
    }

    public int stride() {
        return stride;
    }

    public Padding padding() {
        return padding;
    }

    public PaddingMode paddingMode() {
        return paddingMode;
    }

    public int dilation() {
        return dilation;
    }

    public int groups() {
        return groups;
    }

    public Layout layout() {
        return layout;
    }

    /** The function applied to each output after the bias. */
    public Activation activation() {
        return activation;
    }

    /**
     * The output length for an input of {@code inputLength} positions and a kernel of {@code kernelSize} taps.
     *
     * @throws IllegalArgumentException if a length is below 1, the padding mode cannot pad this input, or the
     *     output would be empty
     */
    public int outputLength(int inputLength, int kernelSize) {
        return geometry(inputLength, kernelSize).outputLength();
    }

    /**
     * The shape {@link Backend#conv1d} would return for these tensors, after the same validation every
     * backend runs.
     *
     * @param bias the (Cout) bias, or null
     * @throws IllegalArgumentException naming the offending parameter, shape or dtype
     */
    public int[] outputShape(Tensor x, Tensor weight, Tensor bias) {
        return Conv1dProblem.resolve(x, weight, bias, this).outputShape();
    }

    /** Both sides' padding and the output length at this input length. */
    Conv1dGeometry geometry(int inputLength, int kernelSize) {
        Validation.requirePositive("inputLength", inputLength);
        Validation.requirePositive("kernelSize", kernelSize);
        long span = (long) dilation * (kernelSize - 1);
        int[] sides = sides(kernelSize);
        int left = sides[0];
        int right = sides[1];
        int limit = switch (paddingMode) {
            case REFLECT -> inputLength - 1;
            case CIRCULAR -> inputLength;
            default -> Integer.MAX_VALUE;
        };
        if (left > limit || right > limit) {
            throw new IllegalArgumentException("padding mode " + paddingMode + " needs each side's padding "
                    + (paddingMode == PaddingMode.REFLECT ? "below" : "at most") + " the input length, got padding ("
                    + left + ", " + right + ") for " + describeLengths(inputLength, kernelSize));
        }
        long reach = (long) inputLength + left + right - span - 1;
        if (reach < 0) {
            throw new IllegalArgumentException("output length would be < 1: the padded input ("
                    + ((long) inputLength + left + right) + ") is shorter than the kernel's span (" + (span + 1)
                    + ") for " + describeLengths(inputLength, kernelSize));
        }
        return new Conv1dGeometry(left, right, Validation.toIntExact("output length", reach / stride + 1));
    }

    /** The padding on the left and on the right, which does not depend on the input's length. */
    int[] sides(int kernelSize) {
        long span = (long) dilation * (kernelSize - 1);
        return switch (padding.mode()) {
            case SAME -> new int[] {Validation.toIntExact("padding left", span / 2),
                Validation.toIntExact("padding right", span - span / 2)};
            case VALID -> new int[] {0, 0};
            default -> new int[] {padding.left(), padding.right()};
        };
    }

    private String describeLengths(int inputLength, int kernelSize) {
        return "inputLength=" + inputLength + ", kernelSize=" + kernelSize + ", stride=" + stride + ", padding="
                + padding + ", paddingMode=" + paddingMode + ", dilation=" + dilation;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Conv1dParams p && p.stride == stride && p.padding.equals(padding)
                && p.paddingMode == paddingMode && p.dilation == dilation && p.groups == groups
                && p.layout == layout && p.activation.equals(activation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(stride, padding, paddingMode, dilation, groups, layout, activation);
    }

    @Override
    public String toString() {
        return "Conv1dParams(stride=" + stride + ", padding=" + padding
                + (paddingMode != PaddingMode.ZEROS ? ", paddingMode=" + paddingMode : "") + ", dilation="
                + dilation + ", groups=" + groups + ", layout=" + layout
                + (activation != Activation.NONE ? ", activation=" + activation : "") + ")";
    }

    /** Collects parameters; {@link #build()} validates them. */
    public static final class Builder {
        private int stride = 1;
        private Padding padding = Padding.of(0);
        private PaddingMode paddingMode = PaddingMode.ZEROS;
        private int dilation = 1;
        private int groups = 1;
        private Layout layout = Layout.NCL;
        private Activation activation = Activation.NONE;

        private Builder() {
        }

        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        /** Symmetric padding. */
        public Builder padding(int both) {
            this.padding = Padding.of(both);
            return this;
        }

        /** Asymmetric padding. */
        public Builder padding(int left, int right) {
            this.padding = Padding.of(left, right);
            return this;
        }

        public Builder padding(Padding padding) {
            this.padding = padding;
            return this;
        }

        /** What the padding reads; {@link PaddingMode#ZEROS} by default. */
        public Builder paddingMode(PaddingMode paddingMode) {
            this.paddingMode = paddingMode;
            return this;
        }

        public Builder dilation(int dilation) {
            this.dilation = dilation;
            return this;
        }

        public Builder groups(int groups) {
            this.groups = groups;
            return this;
        }

        public Builder layout(Layout layout) {
            this.layout = layout;
            return this;
        }

        /** The function applied to each output after the bias; {@link Activation#NONE} by default. */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        /**
         * Validates and returns the parameters.
         *
         * @throws IllegalArgumentException naming the first invalid parameter and its value
         */
        public Conv1dParams build() {
            return new Conv1dParams(this);
        }
    }
}
