package io.clconvt.internal.opencl;

import static org.jocl.CL.*;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.internal.ApiAccess;
import io.clconvt.internal.HalfFloats;
import java.util.concurrent.atomic.AtomicInteger;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * One device buffer. Reads and writes from and to Java arrays are done with the array when they return (a staged
 * write's last chunks may still be on their way to the device, ahead of every later command on the in-order queue),
 * and go through the context's pinned staging where it has one ({@link PinnedStaging}).
 */
public final class ClBuffer implements AutoCloseable {
    /** Buffers created and not yet released, across all backends: tests check that nothing leaks. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final ClContext context;
    private final cl_mem memory;
    private final long bytes;
    private boolean closed;

    private ClBuffer(ClContext context, cl_mem memory, long bytes) {
        this.context = context;
        this.memory = memory;
        this.bytes = bytes;
    }

    /** A read-only buffer holding a copy of {@code tensor}'s elements. */
    public static ClBuffer upload(ClContext context, Tensor tensor) {
        long bytes = (long) tensor.size() * tensor.dtype().byteSize();
        return create(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host(tensor));
    }

    /** The tensor's backing array, whatever its dtype. */
    private static Pointer host(Tensor tensor) {
        return pointer(array(tensor));
    }

    /** The tensor's backing array: a float[], double[] or short[]. */
    private static Object array(Tensor tensor) {
        return switch (tensor.dtype()) {
            case FLOAT32 -> ApiAccess.floatData(tensor);
            case FLOAT64 -> ApiAccess.doubleData(tensor);
            case FLOAT16, BFLOAT16 -> ApiAccess.shortData(tensor);
        };
    }

    private static Pointer pointer(Object array) {
        if (array instanceof float[] floats) {
            return Pointer.to(floats);
        }
        if (array instanceof double[] doubles) {
            return Pointer.to(doubles);
        }
        return Pointer.to((short[]) array);
    }

    /** An uninitialised buffer the device writes. */
    public static ClBuffer allocate(ClContext context, long bytes) {
        return create(context, CL_MEM_READ_WRITE, bytes, null);
    }

    private static ClBuffer create(ClContext context, long flags, long bytes, Pointer host) {
        int[] status = new int[1];
        cl_mem memory = clCreateBuffer(context.context(), flags, bytes, host, status);
        Cl.check(status[0], "clCreateBuffer(" + bytes + " bytes)");
        LIVE.incrementAndGet();
        return new ClBuffer(context, memory, bytes);
    }

    public static int liveCount() {
        return LIVE.get();
    }

    public long bytes() {
        return bytes;
    }

    /** Copies {@code tensor}'s elements into the start of the buffer; the tensor's array is free when it returns. */
    public void write(Tensor tensor) {
        long size = (long) tensor.size() * tensor.dtype().byteSize();
        if (context.staging() != null) {
            context.staging().write(array(tensor), size, memory);
            return;
        }
        Cl.check(clEnqueueWriteBuffer(context.queue(), memory, CL_TRUE, 0, size, host(tensor), 0, null, null),
                "clEnqueueWriteBuffer");
    }

    /**
     * Copies {@code rows} rows of {@code rowBytes} from {@code source} (rows {@code sourcePitch} bytes apart,
     * the first at {@code sourceOffset}) into this buffer (rows {@code targetPitch} apart, the first at
     * {@code targetOffset}), on the device; the in-order queue runs it before any later command.
     */
    public void copyRows(ClBuffer source, long sourceOffset, long sourcePitch, long targetOffset, long targetPitch,
            long rowBytes, long rows) {
        Cl.check(clEnqueueCopyBufferRect(context.queue(), source.memory, memory, new long[] {sourceOffset, 0, 0},
                new long[] {targetOffset, 0, 0}, new long[] {rowBytes, rows, 1}, sourcePitch, 0, targetPitch, 0,
                0, null, null), "clEnqueueCopyBufferRect");
    }

    /** Fills the buffer with NaN so that elements a kernel fails to write stand out. */
    public void poison(DType dtype) {
        Pointer pattern = switch (dtype) {
            case FLOAT32 -> Pointer.to(new float[] {Float.NaN});
            case FLOAT64 -> Pointer.to(new double[] {Double.NaN});
            case FLOAT16 -> Pointer.to(new short[] {HalfFloats.toFloat16(Double.NaN)});
            case BFLOAT16 -> Pointer.to(new short[] {HalfFloats.toBfloat16(Double.NaN)});
        };
        fill(pattern, dtype.byteSize());
    }

    /** Fills the buffer with zero bits (+0 in every dtype), without waiting. */
    public void zero() {
        fill(Pointer.to(new byte[] {0}), 1);
    }

    private void fill(Pointer pattern, int patternBytes) {
        Cl.check(clEnqueueFillBuffer(context.queue(), memory, pattern, patternBytes, 0, bytes, 0, null, null),
                "clEnqueueFillBuffer");
    }

    /** Reads the whole buffer as a tensor of {@code shape}. */
    public Tensor read(DType dtype, int[] shape) {
        int elements = (int) (bytes / dtype.byteSize());
        if (dtype.isHalf()) {
            short[] data = new short[elements];
            readInto(data, 0);
            return ApiAccess.wrapHalf(dtype, data, shape);
        }
        if (dtype == DType.FLOAT32) {
            float[] data = new float[elements];
            readInto(data, 0);
            return ApiAccess.wrap(data, shape);
        }
        double[] data = new double[elements];
        readInto(data, 0);
        return ApiAccess.wrap(data, shape);
    }

    /**
     * Reads the whole buffer into {@code destination} (a float[], double[] or short[]) from byte {@code byteOffset}:
     * a blocking read straight into the array (through the pinned staging where the context has one).
     */
    public void readInto(Object destination, long byteOffset) {
        if (context.staging() != null) {
            context.staging().read(memory, bytes, destination, byteOffset);
            return;
        }
        Cl.check(clEnqueueReadBuffer(context.queue(), memory, CL_TRUE, 0, bytes,
                pointer(destination).withByteOffset(byteOffset), 0, null, null), "clEnqueueReadBuffer");
    }

    /** The buffer's handle, which a kernel argument passes. */
    cl_mem memory() {
        return memory;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            clReleaseMemObject(memory);
            LIVE.decrementAndGet();
        }
    }
}
