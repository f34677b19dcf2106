package io.clconvt;

import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.Geometry;
import io.clconvt.internal.Validation;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Immutable parameters of a 1-D transposed convolution, validated once when built and reused for
 * many calls.
 *
 * <p>With ek = dilation * (K - 1) + 1, the output is
 * {@code out[n, co, o] = bias[co] + sum x[n, ci, i] * w[ci, co - g * Cout / groups, k]} over the
 * input channels ci of co's group g and all i, k with {@code i * stride + k * dilation - padLeft = o},
 * for o in [0, Lout). Positions that no tap reaches hold the bias (or 0). The output length is
 * <ul>
 *   <li>explicit padding (left, right): {@code Lout = (Lin - 1) * stride - left - right + ek + outputPadding};
 *       {@code outputSize(L)} instead picks L in [L', L' + stride - 1] where L' is that length with
 *       outputPadding 0;</li>
 *   <li>{@link Padding#SAME}: {@code Lout = Lin * stride}, or {@code outputSize(L)} with L in
 *       [(Lin - 1) * stride + 1, Lin * stride]; the padding total
 *       {@code max((Lin - 1) * stride + ek - L, 0)} is split with the smaller half on the left;</li>
 *   <li>{@link Padding#VALID}: {@code Lout = (Lin - 1) * stride + ek + outputPadding}, or
 *       {@code outputSize(L)} with L in [that without outputPadding, that + stride - 1].</li>
 * </ul>
 * A non-zero outputPadding appends that many positions on the right in every mode and must be below
 * {@code max(stride, dilation)}; it cannot be combined with outputSize. The weight is
 * (Cin, Cout / groups, K); inputs are laid out as {@link Layout} says.
 *
 * <p>An {@link Activation} (default {@link Activation#NONE}) is applied to every output after the bias,
 * in the same pass: {@code y = f(bias[co] + sum ...)}.
 */
public final class ConvTranspose1dParams {
    private final int stride;
    private final Padding padding;
    private final int outputPadding;
    private final int dilation;
    private final int groups;
    private final Layout layout;
    private final int outputSize; // 0: derived from the other parameters
    private final Activation activation;

    private ConvTranspose1dParams(Builder b) {
        this.stride = Validation.requirePositive("stride", b.stride);
        this.dilation = Validation.requirePositive("dilation", b.dilation);
        this.groups = Validation.requirePositive("groups", b.groups);
        this.padding = Validation.requireNonNull("padding", b.padding);
        this.layout = Validation.requireNonNull("layout", b.layout);
        this.outputPadding = Validation.requireNonNegative("outputPadding", b.outputPadding);
        int limit = Math.max(stride, dilation);
        if (outputPadding >= limit) {
            throw new IllegalArgumentException("outputPadding must be smaller than max(stride, dilation) = "
                    + limit + ", got outputPadding=" + outputPadding + " (stride=" + stride + ", dilation="
                    + dilation + ")");
        }
        if (b.outputSize != null) {
            Validation.requirePositive("outputSize", b.outputSize);
            if (outputPadding != 0) {
                throw new IllegalArgumentException("outputSize (" + b.outputSize
                        + ") cannot be combined with a non-zero outputPadding (" + outputPadding + ")");
            }
        }
        this.outputSize = b.outputSize == null ? 0 : b.outputSize;
        this.activation = Validation.requireNonNull("activation", b.activation);
    }

    /**
     * A builder with PyTorch's defaults: stride 1, padding 0, outputPadding 0, dilation 1, groups 1, NCL, and
     * no activation.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these parameters. */
    public Builder toBuilder() {
        Builder b = new Builder().stride(stride).padding(padding).outputPadding(outputPadding)
                .dilation(dilation).groups(groups).layout(layout).activation(activation);
        if (outputSize != 0) {
            b.outputSize(outputSize);
        }
        return b;
    }

    public int stride() {
        return stride;
    }

    public Padding padding() {
        return padding;
    }

    public int outputPadding() {
        return outputPadding;
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

    /** The requested output length, when one was set. */
    public OptionalInt outputSize() {
        return outputSize == 0 ? OptionalInt.empty() : OptionalInt.of(outputSize);
    }

    /**
     * The output length for an input of {@code inputLength} positions and a kernel of
     * {@code kernelSize} taps, by the rules in the class description.
     *
     * @throws IllegalArgumentException if the lengths are below 1, outputSize is out of range, or the
     *     output would be empty
     */
    public int outputLength(int inputLength, int kernelSize) {
        return geometry(inputLength, kernelSize).outputLength();
    }

    /**
     * The shape {@link Backend#convTranspose1d} would return for these tensors, after the same
     * validation every backend runs; lets callers check a call (or size a buffer) without a backend.
     *
     * @param bias the (Cout) bias, or null
     * @throws IllegalArgumentException naming the offending parameter, shape or dtype
     */
    public int[] outputShape(Tensor x, Tensor weight, Tensor bias) {
        return ConvProblem.resolve(x, weight, bias, this).outputShape();
    }

    /** Where the output window starts in the full transposed convolution, and how long it is. */
    Geometry geometry(int inputLength, int kernelSize) {
        Validation.requirePositive("inputLength", inputLength);
        Validation.requirePositive("kernelSize", kernelSize);
        long effectiveKernel = (long) dilation * (kernelSize - 1) + 1;
        long fullLength = (long) (inputLength - 1) * stride + effectiveKernel;
        long padLeft;
        long unpadded; // the length before outputPadding or outputSize extend it
        long minSize;
        long maxSize;
        switch (padding.mode()) {
            case SAME -> {
                minSize = (long) (inputLength - 1) * stride + 1;
                maxSize = (long) inputLength * stride;
                unpadded = outputSize != 0 ? outputSize : maxSize;
                padLeft = Math.max(fullLength - unpadded, 0) / 2;
            }
            case VALID -> {
                padLeft = 0;
                unpadded = fullLength;
                minSize = fullLength;
                maxSize = fullLength + stride - 1;
            }
            default -> {
                padLeft = padding.left();
                unpadded = fullLength - padding.left() - padding.right();
                minSize = unpadded;
                maxSize = unpadded + stride - 1;
            }
        }
        long length;
        if (outputSize != 0) {
            if (outputSize < minSize || outputSize > maxSize) {
                throw new IllegalArgumentException("outputSize " + outputSize + " is outside the valid range ["
                        + minSize + ", " + maxSize + "] for " + describeLengths(inputLength, kernelSize));
            }
            length = outputSize;
        } else {
            length = unpadded + outputPadding;
        }
        if (length < 1) {
            throw new IllegalArgumentException("output length would be " + length + " (< 1) for "
                    + describeLengths(inputLength, kernelSize));
        }
        return new Geometry(Validation.toIntExact("padding left", padLeft),
                Validation.toIntExact("output length", length));
    }

    /**
     * The left padding of a stream: fixed whatever the input's length, since streams refuse outputSize.
     * SAME's total {@code max((Lin - 1) * stride + ek - Lin * stride, 0) = max(ek - stride, 0)} does not
     * depend on Lin, so neither does its left half; agrees with {@link #geometry} for every Lin.
     */
    int streamPadLeft(int kernelSize) {
        long effectiveKernel = (long) dilation * (kernelSize - 1) + 1;
        return switch (padding.mode()) {
            case SAME -> Validation.toIntExact("padding left", Math.max(effectiveKernel - stride, 0) / 2);
            case VALID -> 0;
            default -> padding.left();
        };
    }

    /**
     * The output length of a stream that ends after {@code inputLength} positions, without outputSize and
     * without checks (it may be below 1): the length {@link #geometry} gives, in long, since a stream may
     * outlast an int.
     */
    long streamOutputLength(long inputLength, int kernelSize) {
        long effectiveKernel = (long) dilation * (kernelSize - 1) + 1;
        long fullLength = (inputLength - 1) * stride + effectiveKernel;
        long unpadded = switch (padding.mode()) {
            case SAME -> inputLength * stride;
            case VALID -> fullLength;
            default -> fullLength - padding.left() - padding.right();
        };
        return unpadded + outputPadding;
    }

    private String describeLengths(int inputLength, int kernelSize) {
        return "inputLength=" + inputLength + ", kernelSize=" + kernelSize + ", stride=" + stride
                + ", padding=" + padding + ", dilation=" + dilation + ", outputPadding=" + outputPadding;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConvTranspose1dParams p && p.stride == stride && p.padding.equals(padding)
                && p.outputPadding == outputPadding && p.dilation == dilation && p.groups == groups
                && p.layout == layout && p.outputSize == outputSize && p.activation.equals(activation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(stride, padding, outputPadding, dilation, groups, layout, outputSize, activation);
    }

    @Override
    public String toString() {
        return "ConvTranspose1dParams(stride=" + stride + ", padding=" + padding + ", outputPadding="
                + outputPadding + ", dilation=" + dilation + ", groups=" + groups + ", layout=" + layout
                + (outputSize != 0 ? ", outputSize=" + outputSize : "")
                + (activation != Activation.NONE ? ", activation=" + activation : "") + ")";
    }

    /** Collects parameters; {@link #build()} validates them. */
    public static final class Builder {
        private int stride = 1;
        private Padding padding = Padding.of(0);
        private int outputPadding;
        private int dilation = 1;
        private int groups = 1;
        private Layout layout = Layout.NCL;
        private Integer outputSize;
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

        public Builder outputPadding(int outputPadding) {
            this.outputPadding = outputPadding;
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

        /** Requests this output length; see the class description for the valid range. */
        public Builder outputSize(int outputSize) {
            this.outputSize = outputSize;
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
        public ConvTranspose1dParams build() {
            return new ConvTranspose1dParams(this);
        }
    }
}
