package io.clconvt.internal.opencl;

import static org.jocl.CL.clSetKernelArg;

import io.clconvt.DType;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/** Sets a kernel's arguments in signature order, each with the exact size of its C type. */
public final class KernelArguments {
    private final cl_kernel kernel;
    private int index;

    public KernelArguments(cl_kernel kernel) {
        this.kernel = kernel;
    }

    /** A {@code __global} pointer; null passes NULL (an absent bias). */
    public KernelArguments buffer(ClBuffer buffer) {
        Pointer value = buffer == null ? null : buffer.argument();
        return set(ClBuffer.argumentSize(), value);
    }

    /** An {@code int}. */
    public KernelArguments integer(int value) {
        return set(Sizeof.cl_int, Pointer.to(new int[] {value}));
    }

    /**
     * A {@code real}: double in a FLOAT64 program, float in every other (16-bit storage computes in float),
     * as the kernel's C type demands.
     */
    public KernelArguments real(DType dtype, double value) {
        return dtype != DType.FLOAT64
                ? set(Sizeof.cl_float, Pointer.to(new float[] {(float) value}))
                : set(Sizeof.cl_double, Pointer.to(new double[] {value}));
    }

    private KernelArguments set(long size, Pointer value) {
        Cl.check(clSetKernelArg(kernel, index, size, value), "clSetKernelArg(" + index + ")");
        index++;
        return this;
    }
}
