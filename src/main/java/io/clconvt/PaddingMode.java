package io.clconvt;

/**
 * What a {@link Conv1dParams convolution} reads beyond the ends of its input: PyTorch's
 * {@code padding_mode}. With input x of length L, position -j (j in 1..left) and L - 1 + j (j in 1..right)
 * read:
 * <ul>
 *   <li>{@link #ZEROS}: 0;</li>
 *   <li>{@link #REFLECT}: x[j] and x[L - 1 - j], the mirror image without repeating the edge (each side's
 *       padding must be smaller than L);</li>
 *   <li>{@link #REPLICATE}: x[0] and x[L - 1];</li>
 *   <li>{@link #CIRCULAR}: x[L - j] and x[j - 1], the input repeated (each side's padding at most L).</li>
 * </ul>
 */
public enum PaddingMode {
    ZEROS,
    REFLECT,
    REPLICATE,
    CIRCULAR
}
