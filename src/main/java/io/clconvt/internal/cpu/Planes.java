package io.clconvt.internal.cpu;

import io.clconvt.Activation;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.ApiAccess;

/**
 * Tensors as planes of doubles, (N, C, L) whatever their layout, so that each channel of a sample is one
 * contiguous row: the form every reference loop of the CPU backend reads and writes.
 */
final class Planes {
    private Planes() {
    }

    /** {@code t}, laid out as {@code layout} with these sizes, as an (N, C, L) plane. */
    static double[] read(Tensor t, Layout layout, int batch, int channels, int length) {
        double[] values = t.toDoubleArray();
        if (layout == Layout.NCL) {
            return values;
        }
        double[] plane = new double[values.length];
        for (int n = 0; n < batch; n++) {
            int sample = n * channels * length;
            for (int i = 0; i < length; i++) {
                for (int c = 0; c < channels; c++) {
                    plane[sample + c * length + i] = values[sample + i * channels + c];
                }
            }
        }
        return plane;
    }

    /** {@code activation} applied to every value, in place: a fused input activation, on the reference. */
    static double[] activate(double[] values, Activation activation) {
        if (activation != Activation.NONE) {
            for (int i = 0; i < values.length; i++) {
                values[i] = activation.apply(values[i]);
            }
        }
        return values;
    }

    /** An (N, C, L) plane as a tensor of {@code shape} laid out as {@code layout}, rounded once to {@code dtype}. */
    static Tensor write(double[] plane, DType dtype, Layout layout, int batch, int channels, int length,
            int[] shape) {
        double[] values = plane;
        if (layout == Layout.NLC) {
            values = new double[plane.length];
            for (int n = 0; n < batch; n++) {
                int sample = n * channels * length;
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < length; i++) {
                        values[sample + i * channels + c] = plane[sample + c * length + i];
                    }
                }
            }
        }
        return round(values, dtype, shape);
    }

    /** {@code values} rounded once to {@code dtype}. */
    static Tensor round(double[] values, DType dtype, int[] shape) {
        if (dtype == DType.FLOAT64) {
            return ApiAccess.wrap(values, shape);
        }
        if (dtype.isHalf()) {
            return ApiAccess.wrapHalf(dtype, ApiAccess.roundHalf(dtype, values), shape);
        }
        float[] rounded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = (float) values[i];
        }
        return ApiAccess.wrap(rounded, shape);
    }
}
