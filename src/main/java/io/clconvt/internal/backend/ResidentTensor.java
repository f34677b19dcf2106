package io.clconvt.internal.backend;

import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.internal.StreamingBackend;
import io.clconvt.internal.Validation;
import io.clconvt.internal.opencl.BufferPool;
import io.clconvt.internal.opencl.ClBuffer;
import java.util.Arrays;

/**
 * A tensor in a device buffer of one {@link OpenClBackend}; every access takes the backend's lock, since
 * the queue and the buffer pool are the backend's.
 */
final class ResidentTensor implements DeviceTensor {
    private final OpenClBackend owner;
    final ClBuffer buffer;
    final DType dtype;
    final int[] shape;
    private boolean closed;

    ResidentTensor(OpenClBackend owner, ClBuffer buffer, DType dtype, int[] shape) {
        this.owner = owner;
        this.buffer = buffer;
        this.dtype = dtype;
        this.shape = shape;
    }

    /**
     * Positions [from, end) of {@code first} (null for none) followed by all of {@code second} along the
     * length axis, in a new buffer from {@code buffers}: two device-side rectangle copies, so a stream's
     * history never leaves the device. The caller holds the owner's lock and has checked both are open.
     */
    static ResidentTensor joined(OpenClBackend owner, BufferPool buffers, ResidentTensor first, int from,
            ResidentTensor second, Layout layout) {
        int headLength = first == null ? 0 : first.shape[StreamingBackend.lengthAxis(first.shape.length, layout)] - from;
        return spliced(owner, buffers, first, from, headLength, second, layout);
    }

    /** Positions [from, from + length) of {@code tensor}, in a new buffer; as {@link #joined} for the rest. */
    static ResidentTensor sliced(OpenClBackend owner, BufferPool buffers, ResidentTensor tensor, int from, int length,
            Layout layout) {
        return spliced(owner, buffers, tensor, from, length, null, layout);
    }

    /** Positions [from, from + headLength) of {@code first}, then {@code second} if not null. */
    private static ResidentTensor spliced(OpenClBackend owner, BufferPool buffers, ResidentTensor first, int from,
            int headLength, ResidentTensor second, Layout layout) {
        ResidentTensor model = second != null ? second : first;
        int[] shape = model.shape.clone();
        int lengthAxis = StreamingBackend.lengthAxis(shape.length, layout);
        int tailLength = second == null ? 0 : shape[lengthAxis];
        long rows = rows(shape, lengthAxis);
        long positionBytes = (long) positionElements(shape, lengthAxis) * model.dtype.byteSize();
        shape[lengthAxis] = headLength + tailLength;
        long joinedRow = shape[lengthAxis] * positionBytes;
        ClBuffer joined = buffers.acquire(Math.max(1, rows * joinedRow));
        try {
            if (headLength > 0) {
                joined.copyRows(first.buffer, from * positionBytes, first.shape[lengthAxis] * positionBytes, 0,
                        joinedRow, headLength * positionBytes, rows);
            }
            if (tailLength > 0) {
                joined.copyRows(second.buffer, 0, tailLength * positionBytes, headLength * positionBytes, joinedRow,
                        tailLength * positionBytes, rows);
            }
        } catch (RuntimeException e) {
            buffers.release(joined);
            throw e;
        }
        return new ResidentTensor(owner, joined, model.dtype, shape);
    }

    /** The rows of positions of a tensor of {@code shape}: the product of the dimensions before the length axis. */
    static int rows(int[] shape, int lengthAxis) {
        int rows = 1;
        for (int axis = 0; axis < lengthAxis; axis++) {
            rows *= shape[axis];
        }
        return rows;
    }

    /** Elements per position: the product of the dimensions after the length axis. */
    static int positionElements(int[] shape, int lengthAxis) {
        int elements = 1;
        for (int axis = lengthAxis + 1; axis < shape.length; axis++) {
            elements *= shape[axis];
        }
        return elements;
    }

    OpenClBackend owner() {
        return owner;
    }

    /** Throws if this tensor is closed, naming it; the caller holds the backend's lock. */
    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the device tensor " + this + " is closed");
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** @throws IllegalArgumentException before reading if the tensor would not fit the Java heap */
    @Override
    public Tensor download() {
        synchronized (owner) {
            owner.requireOpen();
            requireOpen();
            Validation.requireHeap("downloading " + this,
                    (long) dtype.byteSize() * Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b));
            return buffer.read(dtype, shape);
        }
    }

    @Override
    public void downloadInto(float[] destination, int offset) {
        readInto(destination == null ? 0 : destination.length, offset, dtype == DType.FLOAT32, "float[]", destination);
    }

    @Override
    public void downloadInto(double[] destination, int offset) {
        readInto(destination == null ? 0 : destination.length, offset, dtype == DType.FLOAT64, "double[]",
                destination);
    }

    @Override
    public void downloadInto(short[] destination, int offset) {
        readInto(destination == null ? 0 : destination.length, offset, dtype.isHalf(), "short[]", destination);
    }

    /** {@code array}: the destination, a float[], double[] or short[] of {@code length} (null: 0, refused). */
    private void readInto(int length, int offset, boolean dtypeFits, String arrayType, Object array) {
        synchronized (owner) {
            owner.requireOpen();
            requireOpen();
            int size = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            Validation.requireDestination(dtype, size, dtypeFits, arrayType, length, offset);
            buffer.readInto(array, (long) offset * dtype.byteSize());
        }
    }

    @Override
    public boolean isClosed() {
        synchronized (owner) {
            return closed;
        }
    }

    @Override
    public void close() {
        synchronized (owner) {
            if (closed) {
                return;
            }
            closed = true;
            owner.release(this);
        }
    }

    @Override
    public String toString() {
        return "DeviceTensor(opencl, " + dtype + ", shape=" + Arrays.toString(shape) + ")";
    }
}
