package io.clconvt.internal;

import io.clconvt.Activation;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Tensor;

/**
 * Not API. What the engine needs of the public value types beyond their public methods: a tensor's
 * array without a copy, a tensor around an array the engine made, a layer's resolved geometry, an
 * activation's kernel code. The public types keep these package-private; {@code io.clconvt} installs the
 * implementation when {@link Tensor} is initialised (the JDK's SharedSecrets pattern).
 */
public final class ApiAccess {
    /** Implemented once, in {@code io.clconvt}. */
    public interface Bridge {
        float[] floatData(Tensor tensor);

        double[] doubleData(Tensor tensor);

        short[] shortData(Tensor tensor);

        Tensor wrap(float[] data, int[] shape);

        Tensor wrap(double[] data, int[] shape);

        Tensor wrapHalf(DType dtype, short[] bits, int[] shape);

        short[] roundHalf(DType dtype, double[] values);

        Tensor joinLength(Tensor head, int from, Tensor tail, int lengthAxis);

        Geometry geometry(ConvTranspose1dParams params, int inputLength, int kernelSize);

        Conv1dGeometry geometry(Conv1dParams params, int inputLength, int kernelSize);

        int kernelCode(Activation activation);
    }

    private static volatile Bridge bridge;

    private ApiAccess() {
    }

    /** Called once, by {@code io.clconvt.Tensor}'s initialiser. */
    public static synchronized void install(Bridge implementation) {
        if (bridge != null) {
            throw new IllegalStateException("the API bridge is installed already");
        }
        bridge = implementation;
    }

    private static Bridge bridge() {
        Bridge installed = bridge;
        if (installed == null) {
            try {
                Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            installed = bridge;
        }
        return installed;
    }

    /** The tensor's FLOAT32 array itself, not a copy: never written. */
    public static float[] floatData(Tensor tensor) {
        return bridge().floatData(tensor);
    }

    /** The tensor's FLOAT64 array itself, not a copy: never written. */
    public static double[] doubleData(Tensor tensor) {
        return bridge().doubleData(tensor);
    }

    /** The tensor's 16-bit patterns themselves, not a copy: never written. */
    public static short[] shortData(Tensor tensor) {
        return bridge().shortData(tensor);
    }

    /** A tensor that takes ownership of {@code data}: the caller never writes it again. */
    public static Tensor wrap(float[] data, int... shape) {
        return bridge().wrap(data, shape);
    }

    /** A tensor that takes ownership of {@code data}: the caller never writes it again. */
    public static Tensor wrap(double[] data, int... shape) {
        return bridge().wrap(data, shape);
    }

    /** A 16-bit tensor that takes ownership of {@code bits}: the caller never writes them again. */
    public static Tensor wrapHalf(DType dtype, short[] bits, int... shape) {
        return bridge().wrapHalf(dtype, bits, shape);
    }

    /** {@code values} rounded to {@code dtype}'s 16-bit patterns, to nearest even. */
    public static short[] roundHalf(DType dtype, double[] values) {
        return bridge().roundHalf(dtype, values);
    }

    /** Positions [from, end) of {@code head} (null for none) followed by {@code tail}, along {@code lengthAxis}. */
    public static Tensor joinLength(Tensor head, int from, Tensor tail, int lengthAxis) {
        return bridge().joinLength(head, from, tail, lengthAxis);
    }

    /** The left padding and output length of a transposed convolution layer at this input length and K. */
    public static Geometry geometry(ConvTranspose1dParams params, int inputLength, int kernelSize) {
        return bridge().geometry(params, inputLength, kernelSize);
    }

    /** Both sides' padding and the output length of a convolution layer at this input length and K. */
    public static Conv1dGeometry geometry(Conv1dParams params, int inputLength, int kernelSize) {
        return bridge().geometry(params, inputLength, kernelSize);
    }

    /** The kernels' {@code -DACTIVATION=} value. */
    public static int kernelCode(Activation activation) {
        return bridge().kernelCode(activation);
    }
}
