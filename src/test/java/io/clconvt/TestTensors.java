package io.clconvt;

import java.util.SplittableRandom;

/** Seeded random tensors for the core tests. */
final class TestTensors {
    private TestTensors() {
    }

    /** Values uniform in [-bound, bound), drawn in double and rounded to {@code dtype}. */
    static Tensor random(SplittableRandom random, DType dtype, double bound, int... shape) {
        int size = 1;
        for (int dim : shape) {
            size *= dim;
        }
        double[] values = random.doubles(size, -bound, bound).toArray();
        if (dtype == DType.FLOAT64) {
            return Tensor.of(values, shape);
        }
        float[] floats = new float[size];
        for (int i = 0; i < size; i++) {
            floats[i] = (float) values[i];
        }
        return Tensor.of(floats, shape);
    }
}
