package io.clconvt.internal.opencl;

import static org.jocl.CL.clSetKernelArg;

import io.clconvt.DType;
import java.util.List;
import java.util.Objects;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * Sets a kernel's arguments in signature order, each with the exact size of its C type, skipping those
 * that hold the value the kernel already has: a call repeats most of the previous call's arguments
 * (weights, shapes), and each clSetKernelArg is a trip into the driver. Made by
 * {@link ProgramCache#arguments}, which keeps what each of its kernels was last given; a kernel's
 * arguments are set by one thread at a time (its backend serialises calls).
 */
public final class KernelArguments {
    private final cl_kernel kernel;
    /** What the kernel's arguments were last set to, by index. */
    private final List<Object> last;
    private int index;

    KernelArguments(cl_kernel kernel, List<Object> last) {
        this.kernel = kernel;
        this.last = last;
    }

    /** A {@code __global} pointer; null passes NULL (an absent bias). */
    public KernelArguments buffer(ClBuffer buffer) {
        return set(buffer == null ? null : buffer.memory());
    }

    /** An {@code int}. */
    public KernelArguments integer(int value) {
        return set(value);
    }

    /**
     * A {@code real}: double in a FLOAT64 program, float in every other (16-bit storage computes in float),
     * as the kernel's C type demands.
     */
    public KernelArguments real(DType dtype, double value) {
        return dtype != DType.FLOAT64 ? set((float) value) : set(value);
    }

    /** Buffers by identity (a new buffer is a new argument), values by value. */
    private static boolean same(Object previous, Object value) {
        return value instanceof cl_mem ? previous == value : Objects.equals(previous, value);
    }

    /**
     * Sets the next argument to {@code value}: a buffer's cl_mem (null for NULL), an Integer, a Float or a
     * Double, passed with the size of its C type; the native copy is made only when the value changed.
     */
    private KernelArguments set(Object value) {
        boolean known = index < last.size();
        if (!known || !same(last.get(index), value)) {
            try {
                Cl.check(setArgument(value), "clSetKernelArg(" + index + ")");
            } catch (RuntimeException e) {
                last.clear(); // what the kernel holds is no longer known
                throw e;
            }
            if (known) {
                last.set(index, value);
            } else {
                last.add(value);
            }
        }
        index++;
        return this;
    }

    private int setArgument(Object value) {
        if (value == null || value instanceof cl_mem) {
            return clSetKernelArg(kernel, index, Sizeof.cl_mem, value == null ? null : Pointer.to((cl_mem) value));
        }
        if (value instanceof Integer integer) {
            return clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {integer}));
        }
        if (value instanceof Float real) {
            return clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {real}));
        }
        return clSetKernelArg(kernel, index, Sizeof.cl_double, Pointer.to(new double[] {(Double) value}));
    }
}
