package io.clconvt.testing;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.util.SplittableRandom;

/** Seeded random tensors, dtype conversions and layout transposes for the tests. */
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

    /** FLOAT32 values uniform in [-1, 1) from a generator of their own, seeded with {@code seed}. */
    public static Tensor random(long seed, int... shape) {
        return random(new SplittableRandom(seed), DType.FLOAT32, 1, shape);
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

    /** (N, A, B) to (N, B, A), or (A, B) to (B, A), same dtype: NCL to NLC and back. */
    public static Tensor swapLastAxes(Tensor t) {
        int[] shape = t.shape();
        int rank = shape.length;
        int rows = shape[rank - 2];
        int columns = shape[rank - 1];
        int samples = t.size() / (rows * columns);
        int[] swapped = shape.clone();
        swapped[rank - 2] = columns;
        swapped[rank - 1] = rows;
        double[] from = t.toDoubleArray();
        double[] to = new double[from.length];
        for (int n = 0; n < samples; n++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    to[(n * columns + c) * rows + r] = from[(n * rows + r) * columns + c];
                }
            }
        }
        return of(t.dtype(), to, swapped); // exact: every value came from t's dtype
    }
}
