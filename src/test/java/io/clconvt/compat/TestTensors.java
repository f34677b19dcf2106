package io.clconvt.compat;

import io.clconvt.DType;
import io.clconvt.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded random tensors and layout transposes for the front-end tests. */
final class TestTensors {
    private TestTensors() {
    }

    /** FLOAT32 values uniform in [-1, 1) from {@code seed}. */
    static Tensor random(long seed, int... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble(-1, 1);
        }
        return Tensor.of(data, shape);
    }

    /** (N, A, B) to (N, B, A), or (A, B) to (B, A): NCL to NLC and back. */
    static Tensor swapLastAxes(Tensor t) {
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
        return t.dtype() == DType.FLOAT64 ? Tensor.of(to, swapped) : Tensor.of(toFloats(to), swapped);
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i]; // exact: the values came from floats
        }
        return floats;
    }
}
