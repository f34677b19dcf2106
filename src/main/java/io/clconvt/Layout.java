package io.clconvt;

/**
 * Memory layout of the input and output of a transposed convolution.
 *
 * <ul>
 *   <li>{@link #NCL}: batched (N, C, L), unbatched (C, L); the length axis is contiguous
 *       (PyTorch's and Paddle's default).</li>
 *   <li>{@link #NLC}: batched (N, L, C), unbatched (L, C); the channel axis is contiguous
 *       (TensorFlow's NWC, Paddle's "NLC").</li>
 * </ul>
 * The weight is (Cin, Cout / groups, K) in both layouts.
 */
public enum Layout {
    NCL,
    NLC
}
