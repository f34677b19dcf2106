package io.clconvt;

import java.util.Arrays;

/**
 * An immutable host tensor: row-major (C order) data of one {@link DType} with a shape.
 *
 * <p>Factories copy their input and accessors return copies, so a tensor never changes after it is
 * made. For the transposed convolution an input is (N, C, L) or (N, L, C) depending on
 * {@link Layout}, or rank 2 for one unbatched sample; the weight is (Cin, Cout / groups, K) and the
 * bias (Cout). The output has the input's rank and layout, with Cout channels and the length
 * {@link ConvTranspose1dParams#outputLength} gives, e.g.
 * {@code (Lin - 1) * stride - padLeft - padRight + dilation * (K - 1) + 1 + outputPadding}.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] floats;
    private final double[] doubles;

    private Tensor(int[] shape, float[] floats, double[] doubles) {
        this.shape = shape;
        this.floats = floats;
        this.doubles = doubles;
    }

    /** A FLOAT32 tensor holding a copy of {@code data}, whose length must equal the shape's product. */
    public static Tensor of(float[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        int[] checked = checkShape(data.length, shape);
        return new Tensor(checked, data.clone(), null);
    }

    /** A FLOAT64 tensor holding a copy of {@code data}, whose length must equal the shape's product. */
    public static Tensor of(double[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        int[] checked = checkShape(data.length, shape);
        return new Tensor(checked, null, data.clone());
    }

    /** Wraps arrays the caller gives up; for results the library has just made. */
    static Tensor wrap(float[] data, int... shape) {
        return new Tensor(checkShape(data.length, shape), data, null);
    }

    static Tensor wrap(double[] data, int... shape) {
        return new Tensor(checkShape(data.length, shape), null, data);
    }

    /** A tensor of {@code dtype} with no elements, such as a stream's step that finalises no output. */
    static Tensor empty(DType dtype, int... shape) {
        return switch (dtype) {
            case FLOAT32 -> wrap(new float[0], shape);
            case FLOAT64 -> wrap(new double[0], shape);
        };
    }

    /**
     * {@code head} from position {@code from} of the length axis on, followed by {@code tail}, along the
     * length axis {@code lengthAxis}; the other dimensions and the dtype must agree (the caller checked).
     * A null head contributes nothing.
     */
    static Tensor joinLength(Tensor head, int from, Tensor tail, int lengthAxis) {
        int[] shape = tail.shape();
        int tailLength = shape[lengthAxis];
        int headLength = head == null ? 0 : head.shape[lengthAxis] - from;
        int rows = 1;
        for (int axis = 0; axis < lengthAxis; axis++) {
            rows *= shape[axis];
        }
        int unit = 1; // elements per position: the dimensions after the length axis
        for (int axis = lengthAxis + 1; axis < shape.length; axis++) {
            unit *= shape[axis];
        }
        shape[lengthAxis] = headLength + tailLength;
        Object source = tail.storage();
        Object joined = java.lang.reflect.Array.newInstance(source.getClass().getComponentType(),
                rows * shape[lengthAxis] * unit);
        for (int row = 0; row < rows; row++) {
            int target = row * shape[lengthAxis] * unit;
            if (headLength > 0) {
                int headRow = row * head.shape[lengthAxis] * unit;
                System.arraycopy(head.storage(), headRow + from * unit, joined, target, headLength * unit);
            }
            System.arraycopy(source, row * tailLength * unit, joined, target + headLength * unit, tailLength * unit);
        }
        return new Tensor(shape, joined instanceof float[] f ? f : null, joined instanceof double[] d ? d : null);
    }

    /** The backing array, whatever the dtype. */
    private Object storage() {
        return floats != null ? floats : doubles;
    }

    private static int[] checkShape(int length, int[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        long product = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            product *= dim;
            if (product > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than "
                        + Integer.MAX_VALUE + " elements");
            }
        }
        if (product != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + product
                    + " elements but data has " + length);
        }
        return shape.clone();
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public DType dtype() {
        return floats != null ? DType.FLOAT32 : DType.FLOAT64;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}. */
    public int dim(int axis) {
        return shape[axis];
    }

    /** Number of elements. */
    public int size() {
        return floats != null ? floats.length : doubles.length;
    }

    /** The elements as float, converting (and rounding) FLOAT64 data. */
    public float[] toFloatArray() {
        if (floats != null) {
            return floats.clone();
        }
        float[] out = new float[doubles.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) doubles[i];
        }
        return out;
    }

    /** The elements as double, widening FLOAT32 data exactly. */
    public double[] toDoubleArray() {
        if (doubles != null) {
            return doubles.clone();
        }
        double[] out = new double[floats.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = floats[i];
        }
        return out;
    }

    /**
     * max|actual - reference| / max|reference|: the error relative to the output's scale, which unlike
     * an element-wise relative error stays meaningful where outputs cross zero. NaN if either holds a
     * NaN, so such results never pass a {@code <=} check.
     */
    public static double maxRelativeDifference(Tensor actual, Tensor reference) {
        double[] a = actual.toDoubleArray();
        double[] b = reference.toDoubleArray();
        if (a.length != b.length) {
            throw new IllegalArgumentException("outputs differ in size: " + actual + " vs " + reference);
        }
        double maxDifference = 0;
        double maxReference = 0;
        for (int i = 0; i < a.length; i++) {
            maxDifference = Math.max(maxDifference, Math.abs(a[i] - b[i]));
            maxReference = Math.max(maxReference, Math.abs(b[i]));
        }
        if (maxReference == 0) {
            return maxDifference == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return maxDifference / maxReference;
    }

    /** The backing float array, not copied: callers inside the library must not modify it. */
    float[] floatData() {
        return floats;
    }

    /** The backing double array, not copied: callers inside the library must not modify it. */
    double[] doubleData() {
        return doubles;
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype() + ", shape=" + Arrays.toString(shape) + ")";
    }
}
