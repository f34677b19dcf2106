package io.clconvt.testing;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.util.SplittableRandom;

/** Seeded random tensors and dtype conversions for the core tests. */
public final class TestTensors {
    private TestTensors() {
    }

    /** Values uniform in [-bound, bound), drawn in double and rounded to {@code dtype}. */
    public static Tensor random(SplittableRandom random, DType dtype, double bound, int... shape) {
        int size = 1;
        for (int dim : shape) {
            size *= dim;
        }
        return of(dtype, random.doubles(size, -bound, bound).toArray(), shape);
    }

    /** {@code values} as a tensor of {@code dtype}, rounded for every dtype but FLOAT64. */
    public static Tensor of(DType dtype, double[] values, int... shape) {
        if (dtype == DType.FLOAT64) {
            return Tensor.of(values, shape);
        }
        if (dtype == DType.FLOAT16 || dtype == DType.BFLOAT16) {
            return Tensor.of(values, shape).to(dtype);
        }
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return Tensor.of(floats, shape);
    }

    /** The same values as FLOAT64 (exact). */
    public static Tensor widen(Tensor t) {
        return Tensor.of(t.toDoubleArray(), t.shape());
    }
}
