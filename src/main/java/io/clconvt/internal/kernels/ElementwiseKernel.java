package io.clconvt.internal.kernels;

import io.clconvt.Activation;
import io.clconvt.DType;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.opencl.ProgramKey;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/**
 * {@code kernels/elementwise.cl}: {@code y = f(alpha * a + beta * b)} over whole tensors, for the residual
 * sums, branch means and activations of a layer graph that no convolution fuses. One program per dtype and
 * activation.
 */
public final class ElementwiseKernel {
    public static final String SOURCE_FILE = "elementwise.cl";
    public static final String KERNEL_NAME = "combine";
    private static final long LOCAL_SIZE = 64;

    private ElementwiseKernel() {
    }

    public static ProgramKey program(DType dtype, Activation activation) {
        return new ProgramKey(SOURCE_FILE, KERNEL_NAME, BuildOptions.storage(dtype) + BuildOptions.activation(activation));
    }

    /** Enqueues {@code y = activation(alpha * a + beta * b)} over {@code elements}, {@code b} null for none. */
    public static cl_event enqueue(ClContext context, ProgramCache programs, DType dtype, int elements, ClBuffer a,
            double alpha, ClBuffer b, double beta, Activation activation, ClBuffer y, long maxLocalSize) {
        cl_kernel kernel = programs.kernel(program(dtype, activation));
        programs.arguments(kernel)
                .buffer(a)
                .buffer(b)
                .buffer(y)
                .integer(elements)
                .real(dtype, alpha)
                .real(dtype, beta)
                .real(dtype, activation.slope());
        long localSize = Math.min(LOCAL_SIZE, maxLocalSize);
        long globalSize = (elements + localSize - 1) / localSize * localSize;
        return context.enqueue(kernel, KERNEL_NAME, new long[] {globalSize}, new long[] {localSize});
    }
}
