package io.clconvt;

import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.HalfFloats;
import io.clconvt.internal.Validation;
import java.util.Arrays;

/**
 * An immutable host tensor: row-major (C order) data of one {@link DType} with a shape.
 *
 * <p>Factories copy their input and accessors return copies, so a tensor never changes after it is
 * made. FLOAT16 and BFLOAT16 tensors hold 16-bit patterns: make them with {@link #ofFloat16Bits},
 * {@link #ofBfloat16Bits} or {@link #to(DType)}; {@link #toFloatArray()} and {@link #toDoubleArray()} read
 * every dtype. A dimension may be 0 (a stream's step that makes no output final returns such a tensor),
 * although a convolution's input, weight and bias must not be empty. For the transposed convolution an input is (N, C, L) or (N, L, C) depending on
 * {@link Layout}, or rank 2 for one unbatched sample; the weight is (Cin, Cout / groups, K) and the
 * bias (Cout). The output has the input's rank and layout, with Cout channels and the length
 * {@link ConvTranspose1dParams#outputLength} gives, e.g.
 * {@code (Lin - 1) * stride - padLeft - padRight + dilation * (K - 1) + 1 + outputPadding}.
 */
public final class Tensor {
    static {
        ApiAccess.install(new ApiBridge());
    }

    private final int[] shape;
    private final DType dtype;
    private final float[] floats;
    private final double[] doubles;
    /** The bit patterns of FLOAT16 or BFLOAT16 data. */
    private final short[] shorts;

    private Tensor(int[] shape, float[] floats, double[] doubles) {
        this(shape, floats != null ? DType.FLOAT32 : DType.FLOAT64, floats, doubles, null);
    }

    private Tensor(int[] shape, DType dtype, float[] floats, double[] doubles, short[] shorts) {
        this.shape = shape;
        this.dtype = dtype;
        this.floats = floats;
        this.doubles = doubles;
        this.shorts = shorts;
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

    /**
     * A FLOAT16 tensor holding a copy of {@code bits}, IEEE 754 binary16 patterns (as numpy's {@code float16}
     * stores them); the length must equal the shape's product. {@code Tensor.of(floats, shape).to(DType.FLOAT16)}
     * makes one from float values instead.
     */
    public static Tensor ofFloat16Bits(short[] bits, int... shape) {
        return ofHalfBits(DType.FLOAT16, bits, shape);
    }

    /**
     * A BFLOAT16 tensor holding a copy of {@code bits}, bfloat16 patterns (the upper 16 bits of a binary32);
     * the length must equal the shape's product.
     */
    public static Tensor ofBfloat16Bits(short[] bits, int... shape) {
        return ofHalfBits(DType.BFLOAT16, bits, shape);
    }

    private static Tensor ofHalfBits(DType dtype, short[] bits, int... shape) {
        if (bits == null) {
            throw new IllegalArgumentException("bits must not be null");
        }
        return wrapHalf(dtype, bits.clone(), shape);
    }

    /** Wraps arrays the caller gives up; for results the library has just made. */
    static Tensor wrap(float[] data, int... shape) {
        return new Tensor(checkShape(data.length, shape), data, null);
    }

    static Tensor wrap(double[] data, int... shape) {
        return new Tensor(checkShape(data.length, shape), null, data);
    }

    /** Wraps FLOAT16 or BFLOAT16 bit patterns the caller gives up. */
    static Tensor wrapHalf(DType dtype, short[] bits, int... shape) {
        return new Tensor(checkShape(bits.length, shape), dtype, null, null, bits);
    }

    /**
     * This tensor's values in {@code dtype}: narrowing rounds each value once to nearest, ties to even
     * (overflowing to infinity, NaN staying NaN), widening is exact. Returns this tensor if it already has
     * {@code dtype}.
     */
    public Tensor to(DType dtype) {
        Validation.requireNonNull("dtype", dtype);
        if (dtype == this.dtype) {
            return this;
        }
        if (dtype == DType.FLOAT32) {
            return wrap(toFloatArray(), shape);
        }
        double[] values = toDoubleArray();
        if (dtype == DType.FLOAT64) {
            return wrap(values, shape);
        }
        return wrapHalf(dtype, roundHalf(dtype, values), shape);
    }

    /** Each value rounded to the 16-bit {@code dtype}'s bit pattern. */
    static short[] roundHalf(DType dtype, double[] values) {
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = dtype == DType.FLOAT16 ? HalfFloats.toFloat16(values[i]) : HalfFloats.toBfloat16(values[i]);
        }
        return bits;
    }

    /** A tensor of {@code dtype} with no elements, such as a stream's step that finalises no output. */
    static Tensor empty(DType dtype, int... shape) {
        return switch (dtype) {
            case FLOAT32 -> wrap(new float[0], shape);
            case FLOAT64 -> wrap(new double[0], shape);
            case FLOAT16, BFLOAT16 -> wrapHalf(dtype, new short[0], shape);
        };
    }

    /** A tensor of {@code dtype} and {@code shape} holding zeros, such as the input a prepare call runs on. */
    static Tensor zeros(DType dtype, int... shape) {
        long size = 1;
        for (int dim : shape) {
            if (dim < 1) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " must have positive dimensions");
            }
            size *= dim;
        }
        int elements = Validation.toIntExact("tensor elements", size);
        return switch (dtype) {
            case FLOAT32 -> wrap(new float[elements], shape);
            case FLOAT64 -> wrap(new double[elements], shape);
            case FLOAT16, BFLOAT16 -> wrapHalf(dtype, new short[elements], shape);
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
        return new Tensor(shape, tail.dtype, joined instanceof float[] f ? f : null,
                joined instanceof double[] d ? d : null, joined instanceof short[] h ? h : null);
    }

    /** The backing array, whatever the dtype. */
    private Object storage() {
        return floats != null ? floats : doubles != null ? doubles : shorts;
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
        return dtype;
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
        return java.lang.reflect.Array.getLength(storage());
    }

    /** The elements as float, converting (and rounding) FLOAT64 data, widening 16-bit data exactly. */
    public float[] toFloatArray() {
        if (floats != null) {
            return floats.clone();
        }
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = doubles != null ? (float) doubles[i] : halfValue(i);
        }
        return out;
    }

    /** The elements as double, widening every dtype but FLOAT64 exactly. */
    public double[] toDoubleArray() {
        if (doubles != null) {
            return doubles.clone();
        }
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = floats != null ? floats[i] : halfValue(i);
        }
        return out;
    }

    /**
     * The bit patterns of a FLOAT16 or BFLOAT16 tensor, for writing them out unchanged.
     *
     * @throws IllegalStateException for another dtype; convert with {@link #to(DType)} first
     */
    public short[] toHalfBits() {
        if (shorts == null) {
            throw new IllegalStateException("a " + dtype + " tensor has no 16-bit patterns; convert it with"
                    + " to(DType.FLOAT16) or to(DType.BFLOAT16) first");
        }
        return shorts.clone();
    }

    private float halfValue(int index) {
        return dtype == DType.FLOAT16 ? HalfFloats.fromFloat16(shorts[index]) : HalfFloats.fromBfloat16(shorts[index]);
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

    /** The backing 16-bit patterns, not copied: callers inside the library must not modify them. */
    short[] shortData() {
        return shorts;
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype() + ", shape=" + Arrays.toString(shape) + ")";
    }
}
