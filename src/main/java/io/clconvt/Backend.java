package io.clconvt;

/**
 * Something that computes 1-D transposed convolutions, convolutions and their gradients: the CPU reference
 * or an OpenCL device.
 * Obtain one from {@link Backends} and close it when done; {@code close()} is idempotent and a closed
 * backend throws {@link IllegalStateException}.
 *
 * <p>Semantics and output lengths are those of {@link ConvTranspose1dParams}: the weight is
 * (Cin, Cout / groups, K), the bias (Cout), the input (N, C, L) or (N, L, C) by {@link Layout}, or rank 2
 * for one unbatched sample, and the output has the input's rank and layout; the params' {@link Activation}
 * is applied to each output after the bias, in the same pass.
 *
 * <p>Inputs may stay on the backend between calls: {@link #upload} a tensor once, chain
 * {@link #convTranspose1d(DeviceTensor, Tensor, Tensor, ConvTranspose1dParams)} calls, and
 * {@link DeviceTensor#download()} the last result. Weights and biases stay host {@link Tensor}s; the
 * OpenCL backend keeps their device copies, keyed by tensor identity, so reusing the same weight tensor
 * uploads it once.
 *
 * <p>Thread safety: every method may be called from any number of threads at once, and each call gives
 * the same result as it would alone. The OpenCL backend runs one call at a time (kernel arguments and the
 * queue are shared state); the CPU backend runs calls concurrently. Closing a backend while another
 * thread uses it makes that thread's later calls throw {@link IllegalStateException}.
 */
public interface Backend extends AutoCloseable {
    /**
     * Computes the transposed convolution of {@code x}.
     *
     * @param bias the (Cout) bias, or null for none
     * @throws IllegalArgumentException for any invalid parameter, shape or dtype, before any device work
     */
    Tensor convTranspose1d(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params);

    /**
     * Computes the transposed convolution of a tensor this backend holds and keeps the result here. The
     * validation is the same as for host tensors; {@code x} stays open and unchanged.
     *
     * @param bias the (Cout) bias, or null for none
     * @return a new device tensor, which the caller closes
     * @throws IllegalArgumentException for any invalid parameter, shape or dtype, or an {@code x} of another
     *     backend, before any device work
     * @throws IllegalStateException if {@code x} or this backend is closed
     */
    DeviceTensor convTranspose1d(DeviceTensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params);

    /**
     * Computes the convolution of {@code x}: PyTorch's {@code F.conv1d}, with the semantics of
     * {@link Conv1dParams}.
     *
     * @param weight the (Cout, Cin / groups, K) weight
     * @param bias the (Cout) bias, or null for none
     * @throws IllegalArgumentException for any invalid parameter, shape or dtype, before any device work
     */
    Tensor conv1d(Tensor x, Tensor weight, Tensor bias, Conv1dParams params);

    /**
     * Computes the convolution of a tensor this backend holds and keeps the result here, as
     * {@link #convTranspose1d(DeviceTensor, Tensor, Tensor, ConvTranspose1dParams)} does.
     *
     * @return a new device tensor, which the caller closes
     * @throws IllegalArgumentException for any invalid parameter, shape or dtype, or an {@code x} of another
     *     backend, before any device work
     * @throws IllegalStateException if {@code x} or this backend is closed
     */
    DeviceTensor conv1d(DeviceTensor x, Tensor weight, Tensor bias, Conv1dParams params);

    /**
     * The gradients of {@link #conv1d(Tensor, Tensor, Tensor, Conv1dParams)} with the same {@code x},
     * {@code weight} and {@code params}, given the gradient of the loss with respect to its output: what
     * PyTorch's autograd computes. Padding modes other than zeros add each padded position's gradient to the
     * input position it read.
     *
     * @param gradOutput in the forward output's shape, layout and dtype
     * @param withBias whether to compute the bias gradient (the layer has a bias)
     * @throws IllegalArgumentException for anything the forward call refuses, a gradOutput of another shape or
     *     dtype, or params with an activation (its derivative is the caller's), before any device work
     */
    ConvGradients conv1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias, Conv1dParams params);

    /**
     * The gradients of {@link #convTranspose1d(Tensor, Tensor, Tensor, ConvTranspose1dParams)} with the same
     * {@code x}, {@code weight} and {@code params}, given the gradient of the loss with respect to its output.
     *
     * @param gradOutput in the forward output's shape, layout and dtype
     * @param withBias whether to compute the bias gradient (the layer has a bias)
     * @throws IllegalArgumentException for anything the forward call refuses, a gradOutput of another shape or
     *     dtype, or params with an activation (its derivative is the caller's), before any device work
     */
    ConvGradients convTranspose1dBackward(Tensor gradOutput, Tensor x, Tensor weight, boolean withBias,
            ConvTranspose1dParams params);

    /**
     * Copies {@code tensor} to this backend.
     *
     * @return a new device tensor, which the caller closes
     * @throws IllegalArgumentException if {@code tensor} is null, has a zero dimension, or is larger than
     *     the device allocates
     * @throws IllegalStateException if this backend is closed
     */
    DeviceTensor upload(Tensor tensor);

    /** What computes, for logs, e.g. {@code "opencl: Portable Computing Language / pthread-... (OpenCL 3.0)"}. */
    String describe();

    /** Releases every native resource, including device tensors still open; idempotent. */
    @Override
    void close();
}
