package io.clconvt;

import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.Conv1dGeometry;
import io.clconvt.internal.Geometry;

/** The engine's view of the package-private members of the public types: see {@link ApiAccess}. */
final class ApiBridge implements ApiAccess.Bridge {
    @Override
    public float[] floatData(Tensor tensor) {
        return tensor.floatData();
    }

    @Override
    public double[] doubleData(Tensor tensor) {
        return tensor.doubleData();
    }

    @Override
    public short[] shortData(Tensor tensor) {
        return tensor.shortData();
    }

    @Override
    public Tensor wrap(float[] data, int[] shape) {
        return Tensor.wrap(data, shape);
    }

    @Override
    public Tensor wrap(double[] data, int[] shape) {
        return Tensor.wrap(data, shape);
    }

    @Override
    public Tensor wrapHalf(DType dtype, short[] bits, int[] shape) {
        return Tensor.wrapHalf(dtype, bits, shape);
    }

    @Override
    public short[] roundHalf(DType dtype, double[] values) {
        return Tensor.roundHalf(dtype, values);
    }

    @Override
    public Tensor joinLength(Tensor head, int from, Tensor tail, int lengthAxis) {
        return Tensor.joinLength(head, from, tail, lengthAxis);
    }

    @Override
    public Geometry geometry(ConvTranspose1dParams params, int inputLength, int kernelSize) {
        return params.geometry(inputLength, kernelSize);
    }

    @Override
    public Conv1dGeometry geometry(Conv1dParams params, int inputLength, int kernelSize) {
        return params.geometry(inputLength, kernelSize);
    }

    @Override
    public int kernelCode(Activation activation) {
        return activation.kernelCode();
    }
}
