package io.clconvt.internal.cpu;

import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Tensor;
import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.Validation;
import java.util.Arrays;

/**
 * A tensor "on" the CPU backend. It holds a reference to an immutable host tensor, so download needs no
 * copy; what it adds is the life cycle every backend's device tensors share.
 */
final class HeapTensor implements DeviceTensor {
    final CpuBackend owner;
    private final Tensor tensor;
    private volatile boolean closed;

    HeapTensor(CpuBackend owner, Tensor tensor) {
        this.owner = owner;
        this.tensor = tensor;
    }

    /** The data, after checking that neither this tensor nor its backend is closed. */
    Tensor tensor() {
        if (closed) {
            throw new IllegalStateException("the device tensor " + this + " is closed");
        }
        owner.requireOpen();
        return tensor;
    }

    @Override
    public int[] shape() {
        return tensor.shape();
    }

    @Override
    public DType dtype() {
        return tensor.dtype();
    }

    @Override
    public Tensor download() {
        return tensor();
    }

    @Override
    public void downloadInto(float[] destination, int offset) {
        Tensor t = tensor();
        Validation.requireDestination(t.dtype(), t.size(), t.dtype() == DType.FLOAT32, "float[]",
                destination == null ? 0 : destination.length, offset);
        System.arraycopy(ApiAccess.floatData(t), 0, destination, offset, t.size());
    }

    @Override
    public void downloadInto(double[] destination, int offset) {
        Tensor t = tensor();
        Validation.requireDestination(t.dtype(), t.size(), t.dtype() == DType.FLOAT64, "double[]",
                destination == null ? 0 : destination.length, offset);
        System.arraycopy(ApiAccess.doubleData(t), 0, destination, offset, t.size());
    }

    @Override
    public void downloadInto(short[] destination, int offset) {
        Tensor t = tensor();
        Validation.requireDestination(t.dtype(), t.size(), t.dtype().isHalf(), "short[]",
                destination == null ? 0 : destination.length, offset);
        System.arraycopy(ApiAccess.shortData(t), 0, destination, offset, t.size());
    }

    @Override
    public boolean isClosed() {
        return closed || owner.closed;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "DeviceTensor(cpu, " + dtype() + ", shape=" + Arrays.toString(tensor.shape()) + ")";
    }
}
