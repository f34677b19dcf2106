package io.clconvt;

/**
 * The gradients of a convolution's loss with respect to its input, weight and bias, as PyTorch's autograd
 * gives them for the same forward call: {@code input} in the input's shape, rank and layout, {@code weight}
 * in the weight's shape, {@code bias} (Cout) when the layer has one, else null. All in the input's dtype.
 */
public record ConvGradients(Tensor input, Tensor weight, Tensor bias) {
}
