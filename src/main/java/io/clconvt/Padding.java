package io.clconvt;

import io.clconvt.internal.Validation;
import java.util.Objects;

/**
 * Padding of a transposed convolution: explicit amounts, or the {@link #SAME} and {@link #VALID}
 * modes.
 *
 * <p>With explicit padding the output length is
 * {@code Lout = (Lin - 1) * stride - left - right + dilation * (K - 1) + 1 + outputPadding}: padding
 * removes that many positions from each end of the full transposed convolution.
 * <ul>
 *   <li>{@link #SAME}: {@code Lout = Lin * stride}; the padding total is
 *       {@code max((Lin - 1) * stride + dilation * (K - 1) + 1 - Lout, 0)}, the left side gets the
 *       smaller half.</li>
 *   <li>{@link #VALID}: no padding, {@code Lout = (Lin - 1) * stride + dilation * (K - 1) + 1}.</li>
 * </ul>
 */
public final class Padding {
    enum Mode { EXPLICIT, SAME, VALID }

    /** Output length {@code Lin * stride}, padding derived from it; see the class description. */
    public static final Padding SAME = new Padding(Mode.SAME, 0, 0);
    /** No padding: the full transposed convolution. */
    public static final Padding VALID = new Padding(Mode.VALID, 0, 0);

    private final Mode mode;
    private final int left;
    private final int right;

    private Padding(Mode mode, int left, int right) {
        this.mode = mode;
        this.left = left;
        this.right = right;
    }

    /** The same padding on both sides; must not be negative. */
    public static Padding of(int both) {
        Validation.requireNonNegative("padding", both);
        return new Padding(Mode.EXPLICIT, both, both);
    }

    /** Asymmetric padding; neither side may be negative. */
    public static Padding of(int left, int right) {
        Validation.requireNonNegative("padding left", left);
        Validation.requireNonNegative("padding right", right);
        return new Padding(Mode.EXPLICIT, left, right);
    }

    Mode mode() {
        return mode;
    }

    int left() {
        return left;
    }

    int right() {
        return right;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Padding p && p.mode == mode && p.left == left && p.right == right;
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, left, right);
    }

    @Override
    public String toString() {
        return switch (mode) {
            case SAME -> "same";
            case VALID -> "valid";
            case EXPLICIT -> left == right ? "(" + left + ",)" : "(" + left + ", " + right + ")";
        };
    }
}
