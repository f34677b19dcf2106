package io.clconvt.bench;

import io.clconvt.Backend;
import io.clconvt.ConvGradients;
import io.clconvt.DType;
import io.clconvt.Tensor;

/**
 * One benchmark layer of seeded random data: a transposed convolution ({@link BenchmarkShape}) or a
 * convolution ({@link Conv1dShape}), run forward or backward on any backend. The tensors depend only on the
 * seed, so every backend and every run sees the same data.
 */
public interface LayerShape {
    String name();

    DType dtype();

    /** This shape with its tensors in {@code dtype}, the same name and geometry. */
    LayerShape withDtype(DType dtype);

    /** Multiply-adds times two of one forward call. */
    double flops();

    /** Bytes of input, weight, bias and output, each touched once. */
    double minimalBytes();

    /** The largest acceptable relative difference of a forward result from the CPU reference. */
    double tolerance();

    /**
     * The largest acceptable relative differences of the input, weight and bias gradients from the CPU
     * reference's, in that order: four unit roundoffs per term of each gradient's reduction, as
     * {@link #tolerance()}.
     */
    double[] gradientTolerances();

    Tensor input(long seed);

    Tensor weight(long seed);

    Tensor bias(long seed);

    /** A seeded gradient of the loss with respect to the forward output, in its shape and dtype. */
    Tensor gradOutput(long seed);

    Tensor forward(Backend backend, Tensor x, Tensor weight, Tensor bias);

    /** All three gradients of the forward call with a bias. */
    ConvGradients backward(Backend backend, Tensor gradOutput, Tensor x, Tensor weight);

    /** A tensor of {@code shape} uniform in [-1, 1) from {@code seed}, in {@code dtype}. */
    static Tensor random(long seed, DType dtype, int... shape) {
        long size = 1;
        for (int dim : shape) {
            size *= dim;
        }
        double[] values = new java.util.SplittableRandom(seed).doubles(size, -1, 1).toArray();
        return Tensor.of(values, shape).to(dtype);
    }
}
